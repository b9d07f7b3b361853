"""Requests that need an answer: the scenario's ``coordination.requests``, and
grading an answer through the ledger.

A scenario request becomes one RFI thread per team it names, asked at its
``at`` and due ``due`` later, in game time (pauses do not count against a
team). Threads are opened lazily, when someone looks (console, pages, API,
CLI) after their time has come; the unique ``(exercise, request_key)`` makes
sure each is opened once, even when two processes look at the same moment.

A graded answer is an INJECT_GRADE fact (``data.rfi``, dedup key
``rfi:<thread>:<team>``): the scoreboard counts it with the injects, explains
it by its message and replays it with any formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from range.db import write_transaction
from records import audit
from records.coordination.errors import CoordinationDenied, CoordinationError
from records.coordination.parties import Actor
from records.coordination.reading import Answer, answers_of
from records.coordination.tables import CoordMessage, CoordParty, CoordThread, ThreadKind
from records.coordination.threads import context, store_message, store_thread
from records.tables import Tlp
from scoring.exercise import game_seconds
from scoring.ledger import FACT_TABLE, current_tick, fact_row
from scoring.tables import FactKind

SCENARIO_ACTOR = "scenario"


@dataclass(frozen=True)
class Pending:
    """An answer the white cell watches: a request and one asked party's state."""

    uid: str
    subject: str
    asked_by: str
    due_game: float
    points: int
    answer: Answer


def open_due_requests(engine: Engine, exercise_name: str) -> int:
    """Open the RFI threads whose time has come; how many were opened now."""
    exercise, parties = context(engine, exercise_name)
    if exercise.started_at is None:
        return 0
    now = game_seconds(exercise)
    wanted = {f"request:{index}:{team}": (request, team)
              for index, request in enumerate(parties.scenario.coordination.requests)
              if request.at <= now for team in parties.teams_for(request.to)}
    if not wanted:
        return 0
    with Session(engine) as session:
        done = set(session.exec(select(CoordThread.request_key).where(
            CoordThread.exercise_id == exercise.id, col(CoordThread.request_key).in_(wanted))))
    missing = sorted(set(wanted) - done)
    if not missing:
        return 0
    try:
        with write_transaction(engine) as conn:
            for key in missing:
                request, team = wanted[key]
                thread = CoordThread(
                    exercise_id=exercise.id or 0, kind=ThreadKind.RFI, subject=request.subject,
                    tlp=Tlp.AMBER, opened_by=request.sender, author=SCENARIO_ACTOR,
                    asked_game=float(request.at), due_game=float(request.at + request.due),
                    points=request.points, request_key=key)
                audit.append_many_on(conn, exercise_name, [(SCENARIO_ACTOR, "request.ask", {
                    "thread": thread.uid, "request": key, "from": request.sender, "to": team,
                    "due_game": thread.due_game})])
                store_thread(conn, thread, [request.sender, team], {team})
                store_message(conn, thread, request.sender, SCENARIO_ACTOR, request.message,
                              Tlp.AMBER, float(request.at), [])
    except IntegrityError:  # another process opened them first
        return 0
    return len(missing)


def pending(engine: Engine, exercise_name: str) -> list[Pending]:
    """Every asked party of every request, oldest first (the white cell's list)."""
    open_due_requests(engine, exercise_name)
    exercise, _ = context(engine, exercise_name)
    now = game_seconds(exercise)
    found: list[Pending] = []
    with Session(engine) as session:
        threads = session.exec(select(CoordThread).where(
            CoordThread.exercise_id == exercise.id, CoordThread.kind == ThreadKind.RFI)
            .order_by(col(CoordThread.due_game), col(CoordThread.id)))
        for thread in threads:
            members = list(session.exec(select(CoordParty).where(
                CoordParty.thread_id == thread.id)))
            messages = list(session.exec(select(CoordMessage).where(
                CoordMessage.thread_id == thread.id).order_by(col(CoordMessage.id))))
            for answer in answers_of(thread, members, messages, now):
                found.append(Pending(thread.uid, thread.subject, thread.opened_by,
                                     thread.due_game or 0.0, thread.points, answer))
    return found


def grade_answer(engine: Engine, exercise_name: str, actor: Actor, uid: str, party: str,
                 points: float, reason: str = "", *, via: str = "api") -> int:
    """The white cell grades ``party``'s answer to request ``uid``: an
    INJECT_GRADE fact and its audit entry in one transaction; the fact's id."""
    if not actor.staff:
        raise CoordinationDenied("only the white cell grades answers")
    exercise, parties = context(engine, exercise_name)
    state = next((p for p in pending(engine, exercise_name)
                  if p.uid == uid and p.answer.party == party), None)
    if state is None or parties.kind(party) != "team":
        raise CoordinationError(f"{party!r} was asked nothing in request {uid}", field="party")
    if state.answer.graded:
        raise CoordinationError(f"{party!r}'s answer is already graded; adjust the score "
                                "instead", field="party")
    if not 0 <= points <= state.points:
        raise CoordinationError(f"points between 0 and {state.points} (the request's)",
                                field="points")
    message = f"answer to {state.subject!r} ({state.answer.status})" + (
        f": {reason.strip()}" if reason.strip() else "")
    fields: dict[str, Any] = {
        "team": party, "points": float(points), "actor": actor.username,
        "message": message[:500], "data": {"rfi": uid, "status": state.answer.status},
        "dedup_key": f"rfi:{uid}:{party}"}
    try:
        with write_transaction(engine) as conn:
            audit.append_many_on(conn, exercise_name, [(actor.username, "request.grade", {
                "thread": uid, "team": party, "points": points, "status": state.answer.status,
                "reason": reason, "via": via})])
            row = fact_row(exercise.id or 0, current_tick(conn, exercise.id or 0),
                           FactKind.INJECT_GRADE, **fields)
            key = conn.execute(insert(FACT_TABLE).values(**row)).inserted_primary_key
            assert key is not None
            fact_id = int(key[0])
            table = CoordParty.__table__  # type: ignore[attr-defined]
            thread_id = select(CoordThread.id).where(CoordThread.uid == uid).scalar_subquery()
            conn.execute(table.update().where(table.c.thread_id == thread_id,
                                              table.c.party == party)
                         .values(grade_fact_id=fact_id))
    except IntegrityError:
        raise CoordinationError(f"{party!r}'s answer is already graded", field="party") from None
    return fact_id
