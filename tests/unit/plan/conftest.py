"""Fixtures of the plan tests."""

from __future__ import annotations

import pytest
from plan_scenarios import DMZ, PIVOT, scenario  # type: ignore[import-not-found]

from range.plan import Plan
from range.planner import make_plan
from range.scenario.models import Scenario


@pytest.fixture
def dmz() -> Scenario:
    return scenario(DMZ)


@pytest.fixture
def dmz_plan(dmz: Scenario) -> Plan:
    return make_plan(dmz)


@pytest.fixture
def pivot_plan() -> Plan:
    return make_plan(scenario(PIVOT))
