"""The application's surface is the list of modules: a missing one is an error, not a
silently smaller app (or a database without its tables)."""

from __future__ import annotations

import pytest

import cyberrange.tables
import webui.views


def test_a_missing_page_module_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    modules = (*webui.views.PAGE_MODULES, "webui.views.gone")
    monkeypatch.setattr(webui.views, "PAGE_MODULES", modules)
    with pytest.raises(ModuleNotFoundError, match=r"webui\.views\.gone"):
        list(webui.views.all_blueprints())


def test_a_missing_table_module_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    modules = (*cyberrange.tables.TABLE_MODULES, "records.gone_tables")
    monkeypatch.setattr(cyberrange.tables, "TABLE_MODULES", modules)
    with pytest.raises(ModuleNotFoundError, match=r"records\.gone_tables"):
        cyberrange.tables.import_all_tables()
