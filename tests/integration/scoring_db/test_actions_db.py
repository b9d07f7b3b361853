"""records.actions on SQLite and PostgreSQL: a second hint is a DuplicateError (the
fact table's unique dedup key, not a read), and an audit write the database
refuses rolls the fact back with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import SCENARIO, MakeExercise  # type: ignore[import-not-found]
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from range.errors import DuplicateError
from records import actions
from records.audit import entries, verify
from records.audit_table import AuditEntry
from scoring.ledger import FACT_TABLE
from scoring.tables import ExerciseState, FactKind

WHITE = actions.Actor("wendy", "api:wendy", via="api")
HINTED = {**SCENARIO, "hints": [{"id": "h1", "text": "look closer", "penalty": 5}]}
TABLE = AuditEntry.__tablename__


def _count(db: Engine, exercise_id: int, kind: FactKind) -> int:
    c = FACT_TABLE.c
    query = select(func.count()).where(c.exercise_id == exercise_id, c.kind == kind)
    with db.connect() as conn:
        return int(conn.execute(query).scalar_one())


@pytest.fixture
def audit_down(db: Engine) -> Iterator[None]:
    """Until the test ends, the database refuses every new audit entry."""
    with db.begin() as conn:
        if db.dialect.name == "postgresql":
            conn.execute(text("CREATE OR REPLACE FUNCTION audit_down() RETURNS trigger AS "
                              "$$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$ "
                              "LANGUAGE plpgsql"))
            conn.execute(text(f"CREATE TRIGGER audit_down BEFORE INSERT ON {TABLE} "
                              "FOR EACH ROW EXECUTE FUNCTION audit_down()"))
        else:
            conn.execute(text(f"CREATE TRIGGER audit_down BEFORE INSERT ON {TABLE} "
                              "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END"))
    yield
    with db.begin() as conn:
        on = f" ON {TABLE}" if db.dialect.name == "postgresql" else ""
        conn.execute(text(f"DROP TRIGGER audit_down{on}"))


def test_second_hint_is_a_duplicate(db: Engine, make_exercise: MakeExercise) -> None:
    found = make_exercise(scenario=HINTED)
    assert found.id is not None
    actions.give_hint(db, found, "red", "h1", WHITE)
    with pytest.raises(DuplicateError):
        actions.give_hint(db, found, "red", "h1", WHITE)
    assert _count(db, found.id, FactKind.HINT) == 1
    assert [e.action for e in entries(db, found.name)] == ["hint.give"]
    assert verify(db, found.name).ok


def test_refused_audit_write_leaves_no_fact(db: Engine, make_exercise: MakeExercise,
                                            audit_down: None) -> None:
    found = make_exercise(scenario=HINTED, state=ExerciseState.CREATED)
    assert found.id is not None
    with pytest.raises(DBAPIError, match="audit log unavailable"):
        actions.give_hint(db, found, "red", "h1", WHITE)
    with pytest.raises(DBAPIError, match="audit log unavailable"):
        actions.change_state(db, found.name, "start", WHITE)
    assert _count(db, found.id, FactKind.HINT) == 0
    assert _count(db, found.id, FactKind.STATE) == 0
    assert entries(db, found.name) == []
