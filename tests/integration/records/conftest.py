"""Fixtures of the records integration tests (SQLite, no Docker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from records_play import play
from sqlalchemy.engine import Engine

from range.config import Settings


@pytest.fixture
def played(engine: Engine, settings: Settings, root: Path) -> str:
    return play(engine, settings, root)
