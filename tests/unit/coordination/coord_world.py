"""Helpers of the coordination tests: an exercise with organisations, required
SITREPs and a request that needs an answer; moving game time on."""

from __future__ import annotations

import io
from datetime import timedelta

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session

from range.scenario.models import Scenario
from records.coordination.parties import Actor
from records.coordination.threads import Attachment
from scoring.clock import Clock
from scoring.exercise import create_exercise, get_exercise, transition
from scoring.tables import Exercise
from tests.conftest import ROOT

EXERCISE = "coord-drill"
WHITE = Actor("trainer", staff=True)
AUDITOR = Actor("auditor", auditor=True)
BLUE1 = Actor("blue1", team="blue-1")
BLUE2 = Actor("blue2", team="blue-2")
RED = Actor("redteam", team="red")
COORDINATION = {
    "organisations": [{"name": "cert-xy", "kind": "csirt", "title": "CERT-XY"},
                      {"name": "daily-news", "kind": "press"}],
    "sitrep": {"every": "10m", "to": "blue", "rubric": {"accuracy": 4, "actions": 3}},
    "requests": [{"at": "5m", "from": "cert-xy", "to": "blue", "subject": "Indicators?",
                  "message": "Send us the attacker's addresses", "due": "30m", "points": 10}],
}


def coordination_scenario() -> Scenario:
    raw = yaml.safe_load((ROOT / "scenarios" / "dmz-breach" / "scenario.yaml").read_text())
    raw["teams"] = [{"name": "red", "role": "red"}, {"name": "blue", "role": "blue", "copies": 2},
                    {"name": "isac", "role": "isac"}, {"name": "white", "role": "white"}]
    raw["coordination"] = COORDINATION
    return Scenario.model_validate(raw)


def make_coord_exercise(engine: Engine, name: str = EXERCISE) -> Exercise:
    created = create_exercise(engine, name, name, coordination_scenario(),
                              "scenarios/dmz-breach/scenario.yaml")
    transition(engine, name, "start", "test")
    assert created.id is not None
    Clock(engine, created.id).poll()
    return get_exercise(engine, name)


def advance(engine: Engine, name: str, seconds: float) -> None:
    """Game time moves ``seconds`` on: the start moves back by as much (and the
    moment of a pause with it: while paused, game time stands still)."""
    found = get_exercise(engine, name)
    with Session(engine) as session:
        row = session.get(Exercise, found.id)
        assert row is not None and row.started_at is not None
        row.started_at = row.started_at - timedelta(seconds=seconds)
        if row.paused_at is not None:
            row.paused_at = row.paused_at - timedelta(seconds=seconds)
        session.add(row)
        session.commit()


def text_file(name: str = "iocs.txt", size: int = 0) -> Attachment:
    body = b"198.51.100.10\n" if not size else b"a" * size
    return Attachment(name, io.BytesIO(body))
