"""Fixtures of the game tests (helpers live in game_helpers.py)."""

from __future__ import annotations

import pytest
from game_helpers import LocalExecutor, scenario_dict  # type: ignore[import-not-found]

from range.scenario.models import Scenario


@pytest.fixture
def scenario() -> Scenario:
    return Scenario.model_validate(scenario_dict())


@pytest.fixture
def local_executor() -> LocalExecutor:
    return LocalExecutor()
