"""Imports every module that declares database tables (the composition root's job)."""

from __future__ import annotations

import importlib

TABLE_MODULES = (
    "range.state",
    "range.pool_state",
    "scoring.tables",
    "scoring.score_tables",
    "scoring.training.tables",
    "scoring.challenges.tables",
    "records.tables",
    "records.sharing.tables",
    "records.coordination.tables",
    "webui.accounts",
    "webui.sessions",
    "webui.limit_store",
)


def import_all_tables() -> None:
    for name in TABLE_MODULES:
        importlib.import_module(name)  # a missing module is an error, never skipped
