"""Fixtures of the records unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from records_fixtures import load_dmz, make_exercise
from sqlalchemy.engine import Engine

from range.scenario.models import Scenario


@pytest.fixture
def dmz(root: Path) -> Scenario:
    return load_dmz(root)


@pytest.fixture
def exercise(engine: Engine, dmz: Scenario) -> str:
    return make_exercise(engine, dmz)
