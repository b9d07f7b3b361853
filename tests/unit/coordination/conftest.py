"""Fixtures of the coordination tests."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from range.config import Settings
from records.evidence import EvidenceStore
from scoring.tables import Exercise
from tests.unit.coordination.coord_world import make_coord_exercise


@pytest.fixture
def exercise(engine: Engine) -> Exercise:
    return make_coord_exercise(engine)


@pytest.fixture
def store(settings: Settings) -> EvidenceStore:
    return EvidenceStore.for_data_dir(settings.data_dir, max_bytes=1000)
