"""What the white cell does to a game, written once for the pages, the API and the CLI:
send an inject, give a hint, adjust a score, grade an inject response or an
incident report, and start/pause/resume/stop the exercise.

Each action checks its input, then opens one writing transaction
(``range.db.write_transaction``) in which it inserts its ledger fact and
appends its audit entry on the same connection (``records.audit.append_many_on``):
both commit or neither does, so no fact is ever left without its audit line.
It lives in ``records`` because the audit log does; the facts themselves are
shaped by ``scoring`` (``scoring.ledger`` rows, ``scoring.reports.override_on``,
``scoring.exercise.transition_in``). Errors come from ``range.errors``: a
second take of the same hint is a :class:`DuplicateError` (the fact table's
unique dedup key ``hint:<team>:<hint>`` is what guarantees it, even between
processes), an unknown team, hint or report a :class:`NotFoundError`, a bad
value a :class:`RecordError`, a forbidden state change a ``GameError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import select as orm_select

from range.db import write_transaction
from range.errors import DuplicateError, GameError, NotFoundError, RecordError
from range.scenario.models import Hint, Scenario
from records.audit import append_many_on
from records.tables import IncidentReport
from scoring.exercise import TRANSITIONS, get_exercise, transition_in
from scoring.exercise import current_tick as game_tick
from scoring.ledger import (
    adjustment_row,
    current_tick,
    fact_row,
    hint_row,
    inject_grade_row,
    insert_one,
)
from scoring.reports import Override, ReportMatch, override_on
from scoring.tables import Exercise, FactKind, TeamEntry, utcnow

MAX_INJECT_TEXT = 4000


@dataclass(frozen=True)
class Actor:
    """Who acts: ``name`` goes on the ledger fact, ``audit_name`` on the audit entry
    (e.g. ``web:alice``), and ``via`` (the channel), when set, into its details."""

    name: str
    audit_name: str
    via: str | None = None


@dataclass(frozen=True)
class GivenHint:
    fact_id: int
    hint: Hint


@dataclass(frozen=True)
class GradedReport:
    report: IncidentReport
    match: ReportMatch | None  # None when the decision changed nothing


def _audit(conn: Connection, exercise: str, actor: Actor, action: str,
           details: dict[str, Any]) -> None:
    extra = {"via": actor.via} if actor.via else {}
    append_many_on(conn, exercise, [(actor.audit_name, action, {**details, **extra})])


def _exercise_id(exercise: Exercise) -> int:
    if exercise.id is None:
        raise NotFoundError("exercise has not been saved")
    return exercise.id


def _check_team(conn: Connection, exercise: Exercise, team: str) -> str:
    table = TeamEntry.__table__  # type: ignore[attr-defined]
    found = conn.execute(select(table.c.id).where(
        table.c.exercise_id == _exercise_id(exercise), table.c.name == team)).first()
    if found is None:
        raise NotFoundError(f"no team {team!r} in {exercise.name!r}")
    return team


def _tick(conn: Connection, exercise: Exercise) -> int:
    return current_tick(conn, _exercise_id(exercise))


def send_inject(engine: Engine, exercise: Exercise, to: str, message: str, actor: Actor) -> int:
    """A manual inject to ``to`` (a team, a role or ``all``); its fact id."""
    to, message = to.strip() or "all", message.strip()
    if not message:
        raise RecordError("an inject needs a message")
    if len(message) > MAX_INJECT_TEXT:
        raise RecordError(f"an inject's message has at most {MAX_INJECT_TEXT} characters")
    with write_transaction(engine) as conn:
        row = fact_row(_exercise_id(exercise), _tick(conn, exercise), FactKind.INJECT, target=to,
                       outcome="sent", actor=actor.name, message=message,
                       data={"to": to, "manual": True})
        fact_id = insert_one(conn, row)
        _audit(conn, exercise.name, actor, "inject.send", {"to": to, "fact": fact_id})
    return fact_id


def give_hint(engine: Engine, exercise: Exercise, team: str, hint_id: str,
              actor: Actor) -> GivenHint:
    """``team`` gets the scenario's hint ``hint_id``, its penalty charged once."""
    hints = Scenario.model_validate(exercise.scenario).hints
    chosen = next((h for h in hints if h.id == hint_id), None)
    if chosen is None:
        raise NotFoundError(f"the scenario has no hint {hint_id!r}")
    with write_transaction(engine) as conn:
        _check_team(conn, exercise, team)
        row = hint_row(exercise, _tick(conn, exercise), team, chosen.id, chosen.penalty,
                       actor=actor.name)
        try:
            fact_id = insert_one(conn, row)
        except IntegrityError:  # the dedup key; the transaction rolls back as this leaves
            raise DuplicateError(f"team {team} already has hint {chosen.id}") from None
        _audit(conn, exercise.name, actor, "hint.give", {"team": team, "hint": chosen.id})
    return GivenHint(fact_id, chosen)


def adjust_score(engine: Engine, exercise: Exercise, team: str, points: float, reason: str,
                 actor: Actor) -> int:
    """A manual change of ``team``'s score, with its reason; the fact id."""
    with write_transaction(engine) as conn:
        _check_team(conn, exercise, team)
        row = adjustment_row(exercise, _tick(conn, exercise), team, points, actor=actor.name,
                             reason=reason)
        fact_id = insert_one(conn, row)
        _audit(conn, exercise.name, actor, "score.adjust",
               {"team": team, "points": points, "reason": reason})
    return fact_id


def grade_inject(engine: Engine, exercise: Exercise, team: str, inject: str, points: float,
                 reason: str, actor: Actor) -> int:
    """Points for ``team``'s response to inject ``inject``; the fact id."""
    if not inject.strip():
        raise RecordError("a grade names the inject it grades")
    with write_transaction(engine) as conn:
        _check_team(conn, exercise, team)
        row = inject_grade_row(exercise, _tick(conn, exercise), team, inject, points,
                               actor=actor.name, reason=reason)
        fact_id = insert_one(conn, row)
        _audit(conn, exercise.name, actor, "inject.grade",
               {"team": team, "inject": inject, "points": points, "reason": reason})
    return fact_id


def grade_report(engine: Engine, exercise: Exercise, report_id: int, *, accept: bool,
                 reason: str, points: float | None, actor: Actor) -> GradedReport:
    """Accept (worth ``points``, default the scenario's) or reject incident report
    ``report_id``; the decision is audited even when it changes no points."""
    with write_transaction(engine) as conn:
        with Session(bind=conn) as session:
            report = session.get(IncidentReport, report_id)
            if report is None or report.exercise_id != exercise.id:
                raise NotFoundError(f"no incident report {report_id} in {exercise.name!r}")
            session.expunge(report)
        decision = Override(report.team, report.uid, accept, actor.name, reason, points)
        match = override_on(conn, exercise, decision)
        _audit(conn, exercise.name, actor, "report.grade",
               {"incident": report.uid, "accept": accept, "points": points, "reason": reason})
    return GradedReport(report, match)


def change_state(engine: Engine, name: str, action: str, actor: Actor,
                 details: dict[str, Any] | None = None) -> Exercise:
    """``start``/``pause``/``resume``/``stop`` exercise ``name``: the state, its STATE
    fact and the ``exercise.<action>`` audit entry (the game tick, and ``details``)
    in one transaction."""
    if action not in TRANSITIONS:
        raise GameError(f"unknown exercise action {action!r}")
    now = utcnow()
    with write_transaction(engine) as conn, Session(bind=conn) as session:
        found = session.exec(orm_select(Exercise).where(Exercise.name == name)).first()
        if found is None:
            raise NotFoundError(f"no exercise called {name!r}")
        transition_in(session, found, action, actor.name, now)
        session.flush()
        session.refresh(found)
        entry = {"tick": game_tick(found, now), **(details or {})}
        _audit(conn, name, actor, f"exercise.{action}", entry)
    return get_exercise(engine, name)
