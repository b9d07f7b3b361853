"""The flag catalog numbers slots exactly like the checkers and the provisioner do."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from range.scenario.checks import KNOWN_FORMULAS
from range.scenario.models import Scenario
from scoring.checkers.targets import service_slots
from scoring.formulas import FORMULAS
from scoring.formulas.base import flag_catalog

SCENARIOS = sorted(Path(__file__).resolve().parents[3].glob("scenarios/*/scenario.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.parent.name)
def test_service_slots_match_the_checkers(path: Path) -> None:
    # the model only: the scenarios' assets are other areas' work in progress
    scenario = Scenario.model_validate(yaml.safe_load(path.read_text()))
    catalog = flag_catalog(scenario)
    assert [(s.host, s.name) for s in catalog.services] == [
        (host, service.name) for host, service in service_slots(scenario)
    ]
    objectives = [(h, f.path) for h, spec in scenario.hosts.items() for f in spec.flags]
    assert [(o.host, o.path) for o in catalog.objectives] == objectives


def test_every_formula_the_loader_accepts_exists() -> None:
    assert set(KNOWN_FORMULAS) == set(FORMULAS)
