"""Page and API blueprints.

Each module below exposes ``bp`` (or ``blueprints()``); modules are listed
explicitly so the application's surface is visible in one place.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from flask import Blueprint

PAGE_MODULES = (
    "webui.views.pages",
    "webui.views.scoreboard",
    "webui.views.team",
    "webui.views.reports",
    "webui.views.trainer",
    "webui.views.auditor",
    "webui.views.admin",
    "webui.views.account",
    "webui.views.terminals",
    "webui.views.challenges",
    "webui.views.access",
    "webui.views.pools",
    "webui.views.training",
    "webui.views.messages",
    "webui.api",
    "webui.taxii",
)


def all_blueprints() -> Iterator[Blueprint]:
    for name in PAGE_MODULES:
        module = importlib.import_module(name)  # a missing module is an error, never skipped
        if hasattr(module, "blueprints"):
            yield from module.blueprints()
        else:
            yield module.bp
