"""Helpers: a synthetic exercise made from scenarios/dmz-breach (no Docker needed)."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session

from range.scenario.models import Scenario
from scoring.tables import Exercise, Fact, TeamEntry

EXERCISE = "rec-dmz"


def load_dmz(root: Path) -> Scenario:
    text = (root / "scenarios" / "dmz-breach" / "scenario.yaml").read_text()
    return Scenario.model_validate(yaml.safe_load(text))


def make_exercise(engine: Engine, dmz: Scenario, name: str = EXERCISE) -> str:
    """An exercise row and its teams: red, blue-1, blue-2, white."""
    with Session(engine) as session:
        row = Exercise(
            name=name, range_name=name, scenario_path="scenarios/dmz-breach/scenario.yaml",
            scenario=dmz.model_dump(mode="json", by_alias=True), secret=b"s" * 32,
            tick_seconds=dmz.tick, duration_seconds=dmz.duration, flag_lifetime=dmz.flag_lifetime,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        for team, role, copy in (("red", "red", 0), ("blue-1", "blue", 1), ("blue-2", "blue", 2),
                                 ("white", "white", 0)):
            session.add(TeamEntry(exercise_id=row.id, name=team, role=role, copy_number=copy))
        session.commit()
    return name


def add_fact(engine: Engine, exercise_name: str, **fields: object) -> Fact:
    from records.common import get_exercise

    with Session(engine) as session:
        ex = get_exercise(session, exercise_name)
        fact = Fact(exercise_id=ex.id, **fields)  # type: ignore[arg-type]
        session.add(fact)
        session.commit()
        session.refresh(fact)
        return fact


def sqli(engine: Engine, target: str = "blue-1", tick: int = 3) -> Fact:
    """The SQL injection, recorded the way scoring's ledger records red actions."""
    from scoring.exercise import get_exercise as load
    from scoring.ledger import record_red_action

    fact_id = record_red_action(engine, load(engine, EXERCISE), "red", target, "web", "T1190",
                                tick=tick, actor="web:rita", message="' OR 1=1 -- in login")
    with Session(engine) as session:
        fact = session.get(Fact, fact_id)
        assert fact is not None
        return fact
