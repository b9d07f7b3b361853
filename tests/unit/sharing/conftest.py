"""Fixtures of the sharing tests."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from scoring.tables import Exercise
from tests.unit.sharing.sharing_world import make_sharing_exercise


@pytest.fixture
def exercise(engine: Engine) -> Exercise:
    return make_sharing_exercise(engine)
