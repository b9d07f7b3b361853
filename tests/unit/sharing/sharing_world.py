"""Helpers of the sharing tests: an exercise with an ISAC and an organisation,
and STIX objects marked with TLP 2.0 (no Docker needed)."""

from __future__ import annotations

import uuid
from typing import Any

import yaml
from sqlalchemy.engine import Engine

from range.scenario.models import Scenario
from records.sharing.tlp import Tlp
from scoring.exercise import get_exercise
from scoring.tables import Exercise
from tests.conftest import ROOT

EXERCISE = "share-drill"
ATTACKER = "198.51.100.10"  # dmz-breach's attacker host (team red)
# energy = blue-1 + blue-2 with client blue-3; isac plays the ISAC.
TEAMS = ("red", "blue-1", "blue-2", "blue-3", "isac", "white")


def sharing_scenario() -> Scenario:
    raw = yaml.safe_load((ROOT / "scenarios" / "dmz-breach" / "scenario.yaml").read_text())
    raw["teams"] = [{"name": "red", "role": "red"}, {"name": "blue", "role": "blue", "copies": 3},
                    {"name": "isac", "role": "isac"}, {"name": "white", "role": "white"}]
    raw["sharing"] = {"organisations": [
        {"name": "energy", "members": ["blue-1", "blue-2"], "clients": ["blue-3"]}],
        "deadline": "10m"}
    return Scenario.model_validate(raw)


def make_sharing_exercise(engine: Engine, name: str = EXERCISE) -> Exercise:
    """A running exercise at tick 1 with the teams of TEAMS."""
    from scoring.clock import Clock
    from scoring.exercise import create_exercise, transition

    created = create_exercise(engine, name, name, sharing_scenario(),
                              "scenarios/dmz-breach/scenario.yaml")
    transition(engine, name, "start", "test")
    assert created.id is not None
    Clock(engine, created.id).poll()
    return get_exercise(engine, name)


def stix_time() -> str:
    return "2026-01-01T00:00:00.000Z"


def indicator(tlp: Tlp, value: str = ATTACKER, technique: str | None = None,
              recipients: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
        "created": stix_time(), "modified": stix_time(), "name": f"Attacker {value}",
        "description": "seen in our web server's logs", "indicator_types": ["malicious-activity"],
        "pattern": f"[ipv4-addr:value = '{value}']", "pattern_type": "stix",
        "valid_from": stix_time(), "object_marking_refs": [tlp.marking_id],
    }
    if technique:
        obj["external_references"] = [{"source_name": "mitre-attack", "external_id": technique}]
    if recipients:
        obj["x_cyberrange_recipients"] = recipients
    obj.update(extra)
    return obj
