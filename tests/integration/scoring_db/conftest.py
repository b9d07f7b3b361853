"""Scoring database tests run on SQLite and on PostgreSQL (a fresh database per session)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from cyberrange.tables import import_all_tables
from range.db import create_tables, make_engine
from range.scenario.models import Scenario
from scoring.flags import new_secret
from scoring.tables import Exercise, ExerciseState, TeamEntry

SCENARIO: dict[str, Any] = {
    "schema": "cyberrange/v1",
    "name": "scoring-test",
    "title": "Scoring test",
    "duration": "10m",
    "tick": "30s",
    "flag_lifetime": 3,
    "teams": [
        {"name": "red", "role": "red"},
        {"name": "blue", "role": "blue", "copies": 2},
        {"name": "purple", "role": "purple"},
        {"name": "white", "role": "white"},
    ],
    "networks": {"dmz": {"subnet": "10.{copy}.1.0/24"}},
    "hosts": {
        "web": {
            "image": "cyberrange/web",
            "networks": ["dmz"],
            "services": [{"name": "shop", "port": "80/tcp"}, {"name": "api", "port": 8080}],
            "flags": [{"path": "/root/flag.txt", "points": 100}],
        },
    },
    "hints": [{"id": "sqli", "text": "Look at the login form.", "penalty": 7}],
    "scoring": {"formula": "faust", "first_blood": 5, "freeze": "2m", "report_deadline": "90s"},
}

MakeExercise = Callable[..., Exercise]


@pytest.fixture(scope="session")
def pg_database(postgres_url: str) -> Iterator[str]:
    """A private database on the test server, dropped at the end of the session."""
    name = f"cyberrange_scoring_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    import_all_tables()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scoring.db'}"
    else:
        url = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    create_tables(engine)
    yield engine
    engine.dispose()


def make_exercise_rows(
    engine: Engine,
    scenario: dict[str, Any] | None = None,
    *,
    state: ExerciseState = ExerciseState.RUNNING,
    current_tick: int = 1,
    formula: str = "faust",
) -> Exercise:
    """An exercise and its teams, inserted directly (defenders own copies 1..n)."""
    spec = Scenario.model_validate(scenario or SCENARIO)
    with Session(engine) as session:
        exercise = Exercise(
            name=f"scoring-{uuid.uuid4().hex[:10]}",
            range_name="scoring-test",
            scenario_path="scenario.yaml",
            scenario=spec.model_dump(mode="json", by_alias=True),
            state=state,
            secret=new_secret(),
            tick_seconds=int(spec.tick),
            duration_seconds=int(spec.duration),
            flag_lifetime=spec.flag_lifetime,
            formula=formula,
            current_tick=current_tick,
        )
        session.add(exercise)
        session.flush()
        assert exercise.id is not None
        owners = spec.copy_owners()
        for copy, team_name in owners.items():
            role = next(t.role for t in spec.teams if team_name.startswith(t.name))
            session.add(TeamEntry(exercise_id=exercise.id, name=team_name, role=role,
                                  copy_number=copy))  # fmt: skip
        for team in spec.teams:
            if not team.role.defends:
                session.add(TeamEntry(exercise_id=exercise.id, name=team.name, role=team.role))
        session.commit()
        session.refresh(exercise)
        session.expunge(exercise)
        return exercise


@pytest.fixture
def make_exercise(db: Engine) -> MakeExercise:
    def make(**kwargs: Any) -> Exercise:
        return make_exercise_rows(db, **kwargs)

    return make


def set_tick(
    engine: Engine, exercise: Exercise, tick: int, state: ExerciseState | None = None
) -> None:
    with Session(engine) as session:
        row = session.get(Exercise, exercise.id)
        assert row is not None
        row.current_tick = tick
        if state is not None:
            row.state = state
        session.add(row)
        session.commit()
    exercise.current_tick = tick
