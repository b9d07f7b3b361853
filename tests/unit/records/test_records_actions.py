"""The white cell's actions (records.actions): each writes its fact and its audit
entry in one transaction, and a failing audit write leaves no fact behind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from range.errors import DuplicateError, GameError, NotFoundError, RecordError
from records import actions
from records.actions import Actor
from records.audit import entries, verify
from records.audit_table import AuditEntry
from records.incidents import IncidentInput, file_incident
from scoring.exercise import get_exercise
from scoring.ledger import FACT_TABLE
from scoring.tables import Exercise, ExerciseState, FactKind

WHITE = Actor("wendy", "web:wendy", via="web")
Act = Callable[[Engine, Exercise], object]


def _report_id(engine: Engine, exercise: str) -> int:
    report = file_incident(engine, exercise, "blue-1", "web:bea", IncidentInput(
        title="SQLi on shop", severity="high", tlp="amber", pap="green",
        rsit_class="intrusions", rsit_type="application-compromise", techniques=["T1190"],
        hosts=["web"], observables=[], start=datetime(2026, 1, 1, 10, tzinfo=UTC)))
    assert report.id is not None
    return report.id


ACTIONS: dict[str, tuple[Act, FactKind, str]] = {
    "inject": (lambda e, x: actions.send_inject(e, x, "blue", "Intel: watch the shop", WHITE),
               FactKind.INJECT, "inject.send"),
    "hint": (lambda e, x: actions.give_hint(e, x, "red", "sqli", WHITE),
             FactKind.HINT, "hint.give"),
    "adjust": (lambda e, x: actions.adjust_score(e, x, "blue-1", 7.0, "teamwork", WHITE),
               FactKind.ADJUSTMENT, "score.adjust"),
    "grade-inject": (lambda e, x: actions.grade_inject(e, x, "blue-2", "inject:0", 5.0, "fast",
                                                       WHITE),
                     FactKind.INJECT_GRADE, "inject.grade"),
    "grade-report": (lambda e, x: actions.grade_report(
        e, x, _report_id(e, x.name), accept=True, reason="matches", points=None, actor=WHITE),
        FactKind.REPORT_MATCH, "report.grade"),
}


def _facts(engine: Engine, kind: FactKind) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(FACT_TABLE).where(FACT_TABLE.c.kind == kind)
        return int(conn.execute(query).scalar_one())


def _break_audit(engine: Engine) -> None:
    """The audit log refuses every new entry from now on (a real failure, raised by SQLite)."""
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TRIGGER audit_down BEFORE INSERT ON {AuditEntry.__tablename__} "
                          "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END"))


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_writes_its_fact_and_its_audit_entry(engine: Engine, exercise: str,
                                                    name: str) -> None:
    act, kind, action = ACTIONS[name]
    act(engine, get_exercise(engine, exercise))
    assert _facts(engine, kind) == 1
    [entry] = [e for e in entries(engine, exercise) if e.action == action]
    assert entry.actor == "web:wendy" and entry.details["via"] == "web"
    assert verify(engine, exercise).ok


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_failed_audit_write_leaves_no_fact(engine: Engine, exercise: str, name: str) -> None:
    act, kind, _ = ACTIONS[name]
    found = get_exercise(engine, exercise)
    if name == "grade-report":  # the report itself is filed (and audited) before the outage
        report_id = _report_id(engine, exercise)
        act = lambda e, x: actions.grade_report(  # noqa: E731
            e, x, report_id, accept=True, reason="matches", points=None, actor=WHITE)
    before = len(entries(engine, exercise))
    _break_audit(engine)
    with pytest.raises(DBAPIError, match="audit log unavailable"):
        act(engine, found)
    assert _facts(engine, kind) == 0
    assert len(entries(engine, exercise)) == before


def test_failed_audit_write_leaves_the_state_unchanged(engine: Engine, exercise: str) -> None:
    _break_audit(engine)
    with pytest.raises(DBAPIError):
        actions.change_state(engine, exercise, "start", WHITE)
    assert get_exercise(engine, exercise).state is ExerciseState.CREATED
    assert _facts(engine, FactKind.STATE) == 0


def test_state_changes_are_audited_with_their_tick(engine: Engine, exercise: str) -> None:
    cli = Actor("cli:carl", "cli:carl")
    started = actions.change_state(engine, exercise, "start", cli, {"range": "r"})
    assert started.state is ExerciseState.RUNNING
    actions.change_state(engine, exercise, "pause", cli)
    got = [(e.action, e.actor, e.details) for e in entries(engine, exercise)]
    assert got[-2:] == [("exercise.start", "cli:carl", {"tick": 1, "range": "r"}),
                        ("exercise.pause", "cli:carl", {"tick": 1})]
    assert _facts(engine, FactKind.STATE) == 2
    with pytest.raises(GameError, match="cannot pause"):
        actions.change_state(engine, exercise, "pause", cli)
    with pytest.raises(GameError, match="unknown exercise action"):
        actions.change_state(engine, exercise, "explode", cli)
    with pytest.raises(NotFoundError):
        actions.change_state(engine, "no-such", "start", cli)
    assert len([e for e in entries(engine, exercise) if e.action.startswith("exercise.")]) == 2


def test_a_second_hint_is_a_duplicate_and_audited_once(engine: Engine, exercise: str) -> None:
    found = get_exercise(engine, exercise)
    given = actions.give_hint(engine, found, "red", "sqli", WHITE)
    assert given.hint.penalty == 10
    with pytest.raises(DuplicateError, match="team red already has hint sqli"):
        actions.give_hint(engine, found, "red", "sqli", WHITE)
    assert _facts(engine, FactKind.HINT) == 1
    assert [e.action for e in entries(engine, exercise)].count("hint.give") == 1
    actions.give_hint(engine, found, "blue-1", "sqli", WHITE)  # once per team
    assert _facts(engine, FactKind.HINT) == 2


@pytest.mark.parametrize(("act", "error", "message"), [
    (lambda e, x: actions.give_hint(e, x, "red", "nope", WHITE), NotFoundError, "no hint"),
    (lambda e, x: actions.give_hint(e, x, "blue-9", "sqli", WHITE), NotFoundError, "no team"),
    (lambda e, x: actions.adjust_score(e, x, "blue-1", 1.0, "  ", WHITE), RecordError, "reason"),
    (lambda e, x: actions.adjust_score(e, x, "blue-1", float("nan"), "r", WHITE), RecordError,
     "finite"),
    (lambda e, x: actions.grade_inject(e, x, "blue-9", "i", 1.0, "", WHITE), NotFoundError,
     "no team"),
    (lambda e, x: actions.grade_inject(e, x, "blue-1", " ", 1.0, "", WHITE), RecordError,
     "inject"),
    (lambda e, x: actions.grade_report(e, x, 999, accept=True, reason="r", points=None,
                                       actor=WHITE), NotFoundError, "no incident report"),
    (lambda e, x: actions.send_inject(e, x, "blue", "   ", WHITE), RecordError, "message"),
])
def test_invalid_input_raises_and_writes_nothing(engine: Engine, exercise: str, act: Act,
                                                 error: type[Exception], message: str) -> None:
    before = len(entries(engine, exercise))
    with pytest.raises(error, match=message):
        act(engine, get_exercise(engine, exercise))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(FACT_TABLE)).scalar_one() == 0
    assert len(entries(engine, exercise)) == before
