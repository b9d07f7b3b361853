from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from range.errors import GameError, NotFoundError
from range.scenario.models import Scenario
from scoring.exercise import create_exercise, get_exercise, transition
from scoring.tables import ExerciseState, Fact, FactKind, TeamEntry

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_create_makes_teams_with_copy_numbers(engine: Engine, scenario: Scenario) -> None:
    exercise = create_exercise(engine, "ex1", "gtest", scenario, "s.yaml")
    with Session(engine) as session:
        teams = session.exec(select(TeamEntry).where(TeamEntry.exercise_id == exercise.id)).all()
    assert {(t.name, t.role, t.copy_number) for t in teams} == {
        ("blue-1", "blue", 1),
        ("blue-2", "blue", 2),
        ("red", "red", 0),
        ("white", "white", 0),
    }
    assert len(exercise.secret) == 32
    assert (exercise.tick_seconds, exercise.duration_seconds) == (10, 60)
    assert exercise.state is ExerciseState.CREATED


def test_create_is_idempotent_until_finished(engine: Engine, scenario: Scenario) -> None:
    first = create_exercise(engine, "ex1", "gtest", scenario, "s.yaml")
    again = create_exercise(engine, "ex1", "gtest", scenario, "s.yaml")
    assert again.id == first.id and again.secret == first.secret
    transition(engine, "ex1", "stop", "cli:alice")
    with pytest.raises(GameError, match="has finished"):
        create_exercise(engine, "ex1", "gtest", scenario, "s.yaml")


def test_copies_override(engine: Engine, scenario: Scenario) -> None:
    exercise = create_exercise(engine, "ex3", "gtest", scenario, "s.yaml", copies=3)
    with Session(engine) as session:
        names = session.exec(
            select(TeamEntry.name).where(TeamEntry.exercise_id == exercise.id)
        ).all()
    assert {"blue-1", "blue-2", "blue-3"} <= set(names)


def test_state_machine_and_facts(engine: Engine, scenario: Scenario) -> None:
    create_exercise(engine, "ex1", "gtest", scenario, "s.yaml")
    with pytest.raises(GameError, match="cannot pause"):
        transition(engine, "ex1", "pause", "cli:bob", T0)
    with pytest.raises(GameError, match="cannot resume"):
        transition(engine, "ex1", "resume", "cli:bob", T0)
    assert transition(engine, "ex1", "start", "cli:bob", T0).state is ExerciseState.RUNNING
    with pytest.raises(GameError, match="cannot start"):
        transition(engine, "ex1", "start", "cli:bob", T0)
    paused = transition(engine, "ex1", "pause", "cli:bob", T0 + timedelta(seconds=15))
    assert paused.state is ExerciseState.PAUSED
    resumed = transition(engine, "ex1", "resume", "web:carol", T0 + timedelta(seconds=45))
    assert resumed.paused_seconds == 30.0 and resumed.paused_at is None
    transition(engine, "ex1", "stop", "cli:bob", T0 + timedelta(seconds=50))
    with pytest.raises(GameError, match="it is finished"):
        transition(engine, "ex1", "resume", "cli:bob", T0)
    with Session(engine) as session:
        facts = session.exec(
            select(Fact).where(Fact.kind == FactKind.STATE).order_by(Fact.id)  # type: ignore[arg-type]
        ).all()
    assert facts[1].message == "pause: running → paused"
    assert [(f.data["action"], f.actor, f.tick) for f in facts] == [
        ("start", "cli:bob", 1),
        ("pause", "cli:bob", 2),
        ("resume", "web:carol", 2),
        ("stop", "cli:bob", 3),
    ]


def test_unknown_exercise_and_action(engine: Engine) -> None:
    with pytest.raises(NotFoundError):
        get_exercise(engine, "nope")
    with pytest.raises(GameError, match="unknown"):
        transition(engine, "nope", "jump", "cli:x")
