"""DriverSQL on SQLite and PostgreSQL: the same rows as SQLAlchemy, the same errors."""

from __future__ import annotations

import pytest
from conftest import MakeExercise
from sqlalchemy import bindparam, column, select, table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from range.db import DriverSQL
from scoring.tables import Exercise, ExerciseState

pytestmark = pytest.mark.postgres


def test_rows_equal_what_sqlalchemy_reads(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=4)
    t = Exercise.__table__.c  # type: ignore[attr-defined]
    statement = select(t.name, t.state, t.current_tick, t.created_at).where(
        t.name == bindparam("name"))  # fmt: skip
    with db.connect() as conn:
        expected = [tuple(row) for row in conn.execute(statement, {"name": exercise.name})]
    rows = DriverSQL(statement).rows(db, {"name": exercise.name})
    assert rows == expected
    assert rows[0][1] is ExerciseState.RUNNING  # the enum column's processor ran
    assert DriverSQL(statement).rows(db, {"name": "no such exercise"}) == []


def test_driver_errors_are_sqlalchemy_errors(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise()
    missing = select(column("x")).select_from(table("no_such_table"))
    with pytest.raises(DBAPIError):
        DriverSQL(missing).rows(db, {})
    # The connection went back to the pool usable (on PostgreSQL: rolled back).
    t = Exercise.__table__.c  # type: ignore[attr-defined]
    names = DriverSQL(select(t.name).where(t.id == bindparam("id")))
    for _ in range(3):
        assert names.rows(db, {"id": exercise.id}) == [(exercise.name,)]
