"""The coordination section of the after-action report: how many messages each
party sent, every request with its answers and response times, every SITREP
with its grade, and the SITREP slots that stayed empty. Scenario requests whose
time has come are opened first, so one nobody looked at still shows, unanswered."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from records.common import exercise_id, get_exercise
from records.coordination.requests import Pending, pending
from records.coordination.sitreps import Slot, schedule
from records.coordination.tables import CoordMessage, CoordThread, Sitrep


@dataclass(frozen=True)
class Response:
    """One asked team's answer to one request, with its response time."""

    request: Pending
    response_minutes: float | None  # from the question to the first answer, game time


@dataclass
class CoordinationSummary:
    threads: int = 0
    messages_by_party: dict[str, int] = field(default_factory=dict)
    responses: list[Response] = field(default_factory=list)
    sitreps: list[Sitrep] = field(default_factory=list)
    missing_slots: list[Slot] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.threads or self.sitreps or self.missing_slots)


def summary(engine: Engine, exercise_name: str) -> CoordinationSummary:
    requests = pending(engine, exercise_name)
    with Session(engine) as session:
        ex_id = exercise_id(get_exercise(session, exercise_name))
        threads = list(session.exec(select(CoordThread).where(CoordThread.exercise_id == ex_id)))
        asked = {t.uid: t.asked_game for t in threads}
        senders = session.exec(select(CoordMessage.sender).join(
            CoordThread, col(CoordThread.id) == CoordMessage.thread_id).where(
            CoordThread.exercise_id == ex_id))
        counts = Counter(senders)
        reports = list(session.exec(select(Sitrep).where(Sitrep.exercise_id == ex_id)
                                    .order_by(col(Sitrep.team), col(Sitrep.slot))))
        for report in reports:
            session.expunge(report)
    responses = [Response(r, None if r.answer.answered_game is None else
                          round((r.answer.answered_game - asked.get(r.uid, 0.0)) / 60, 1))
                 for r in requests]
    missing = [s for s in schedule(engine, exercise_name) if s.sitrep is None]
    return CoordinationSummary(len(threads), dict(sorted(counts.items())), responses, reports,
                               missing)


@dataclass(frozen=True)
class Attention:
    """What the white cell's console flags: answers overdue or late, SITREPs missing."""

    answers: list[Pending]
    missing_slots: list[Slot]


def attention(engine: Engine, exercise_name: str) -> Attention:
    late = [p for p in pending(engine, exercise_name)
            if p.answer.status in ("overdue", "late") and not p.answer.graded]
    return Attention(late, [s for s in schedule(engine, exercise_name) if s.sitrep is None])
