"""A range's exercise across `up` and `down`, with its audit entries.

`up` decides which exercise the range plays (rules in scoring.succession)
under the range's lock, before anything is touched, and writes that decision,
its state facts and its audit entries in one transaction. `down` ends the
range's exercise the same way. `records` cannot be imported by `scoring`, so
the composition root joins the two here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from range.db import write_transaction
from range.plan import Plan
from range.scenario.loader import LoadedScenario
from range.state import RangeRecord, RangeState
from records.audit import AuditItem, append_many_on
from scoring.exercise import snapshot, with_copies
from scoring.succession import (
    Choice,
    Succession,
    carry_out,
    current_exercise,
    decide,
    end_with_range,
    taken_names,
)
from scoring.tables import Exercise, utcnow


@dataclass(frozen=True)
class Settled:
    """The range's exercise after `up` decided, and how it came to be."""

    succession: Succession
    exercise: Exercise


@contextmanager
def _writing(engine: Engine) -> Iterator[Session]:
    """A session inside one write transaction: ORM rows and audit entries commit together."""
    with write_transaction(engine) as conn, Session(bind=conn) as session:
        yield session
        session.flush()


def settle_exercise(
    engine: Engine, plan: Plan, loaded: LoadedScenario, record: RangeRecord | None, actor: str
) -> Settled:
    """Keep, create or replace the range's exercise; GameError if a live game is in the way."""
    scenario = with_copies(loaded.scenario, plan.copies)
    was_down = record is None or record.state == RangeState.DOWN
    with _writing(engine) as session:
        current = current_exercise(session, plan.range)
        taken = taken_names(session, plan.range)
        succession = decide(plan.range, current, snapshot(scenario), was_down, taken)
        exercise = carry_out(
            session, succession, plan.range, scenario, str(loaded.path), actor, utcnow()
        )
        session.flush()
        conn = session.connection()
        for chain, items in _audit_items(succession, plan.range, actor).items():
            append_many_on(conn, chain, items)
        session.refresh(exercise)
        session.expunge(exercise)
    return Settled(succession, exercise)


def _audit_items(succession: Succession, range_name: str, actor: str) -> dict[str, list[AuditItem]]:
    """Chain → entries: the new exercise's creation, and the old one's replacement."""
    if succession.choice is Choice.KEEP:
        return {}
    details: dict[str, Any] = {"range": range_name}
    if succession.choice is Choice.REPLACE:
        assert succession.previous is not None
        reason = "range was down" if succession.after_down else "scenario changed"
        details |= {"replaces": succession.previous, "reason": reason,
                    "changes": list(succession.changes)}  # fmt: skip
        old = {**details, "by": succession.name}
        del old["replaces"]
        return {
            succession.previous: [(actor, "exercise.replaced", old)],
            succession.name: [(actor, "exercise.create", details)],
        }
    return {succession.name: [(actor, "exercise.create", details)]}


def end_exercise(engine: Engine, range_name: str, actor: str) -> Exercise | None:
    """At `down`: stop the range's exercise (unless finished) with its audit entry."""
    with _writing(engine) as session:
        stopped = end_with_range(session, range_name, actor, utcnow())
        if stopped is None:
            return None
        session.flush()
        entry: AuditItem = (actor, "exercise.stop", {"range": range_name, "reason": "range down"})
        append_many_on(session.connection(), stopped.name, [entry])
        session.refresh(stopped)
        session.expunge(stopped)
    return stopped
