"""Which exercise a range plays: kept, or succeeded by a new one.

A range plays one exercise at a time, its *current* exercise: the newest one
recorded for the range. When the range is deployed again (`cyberrange up`),
:func:`decide` chooses, before anything is touched:

1. the range has no exercise yet: **create** one, named after the range;
2. the game content is the same (:mod:`scoring.game_content`) and the range
   was not taken down since: **keep** it, whatever its state — repairing a
   range never depends on the game, a finished exercise included;
3. otherwise — the game content changed, or the range was down: **replace**
   it by a new exercise named ``RANGE.N`` (the next free number). The old
   exercise keeps its name, facts, records and audit chain; if it never
   started it is stopped, so it can never be played on a range it no longer
   matches. An old exercise still running or paused is refused instead: a
   live game is never ended by a redeploy, only by `exercise stop`.

Exercise names are unique and key the audit chains, so a new exercise never
takes an old one's name: the old chain stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from range.errors import GameError
from range.scenario.models import Scenario
from scoring.exercise import add_exercise, stored_snapshot, transition_in
from scoring.game_content import differences
from scoring.tables import Exercise, ExerciseState

LIVE = frozenset({ExerciseState.RUNNING, ExerciseState.PAUSED})


class Choice(StrEnum):
    CREATE = "create"
    KEEP = "keep"
    REPLACE = "replace"


@dataclass(frozen=True)
class Succession:
    """What `up` does with the range's exercise."""

    choice: Choice
    name: str  # the exercise the range plays from now on
    previous: str | None = None  # the range's exercise before (KEEP: the same)
    changes: tuple[str, ...] = ()  # game content that changed (REPLACE)
    after_down: bool = False  # REPLACE because the range had been taken down


def next_name(range_name: str, taken: Collection[str]) -> str:
    """The range's name if free, else RANGE.2, RANGE.3… (a dot: never a range name)."""
    if range_name not in taken:
        return range_name
    number = 2
    while f"{range_name}.{number}" in taken:
        number += 1
    return f"{range_name}.{number}"


def decide(
    range_name: str,
    current: Exercise | None,
    wanted: dict[str, Any],
    range_was_down: bool,
    taken: Collection[str],
) -> Succession:
    """Keep, create or replace (rules in the module docstring); GameError for a live game."""
    if current is None:
        return Succession(Choice.CREATE, next_name(range_name, taken))
    changes = tuple(differences(stored_snapshot(current), wanted))
    if not changes and not range_was_down:
        return Succession(Choice.KEEP, current.name, current.name)
    if current.state in LIVE:
        why = (
            f"the scenario changed ({'; '.join(changes)})"
            if changes
            else "the range was taken down"
        )
        raise GameError(
            f"range {range_name} plays exercise {current.name}, which is {current.state}, and "
            f"{why}: stop it first (`cyberrange exercise stop {current.name}`) to start a new "
            "exercise, or deploy under another --name"
        )
    return Succession(
        Choice.REPLACE, next_name(range_name, taken), current.name, changes, not changes
    )


def current_exercise(session: Session, range_name: str) -> Exercise | None:
    """The range's newest exercise (None: it never had one)."""
    query = select(Exercise).where(Exercise.range_name == range_name)
    return session.exec(query.order_by(col(Exercise.id).desc()).limit(1)).first()


def range_exercise(engine: Engine, range_name: str) -> Exercise | None:
    """The range's current exercise, read on its own."""
    with Session(engine) as session:
        return current_exercise(session, range_name)


def taken_names(session: Session, range_name: str) -> set[str]:
    """Exercise names next_name could collide with: RANGE and RANGE.*."""
    query = select(Exercise.name).where(
        or_(Exercise.name == range_name, col(Exercise.name).startswith(f"{range_name}."))
    )
    return set(session.exec(query).all())


def carry_out(
    session: Session,
    succession: Succession,
    range_name: str,
    scenario: Scenario,
    scenario_path: str,
    actor: str,
    now: datetime,
) -> Exercise:
    """Write the decision in the caller's transaction; the exercise the range plays."""
    current = current_exercise(session, range_name)
    if succession.choice is Choice.KEEP:
        assert current is not None and current.name == succession.name
        return current
    if current is not None and current.state is ExerciseState.CREATED:
        transition_in(session, current, "stop", actor, now)
    return add_exercise(session, succession.name, range_name, scenario, scenario_path)


def end_with_range(session: Session, range_name: str, actor: str, now: datetime) -> Exercise | None:
    """At `down`: stop the range's exercise unless it has finished; the one stopped, if any.

    The game cannot go on without its range, and the next `up` starts a new
    exercise anyway (rule 3), so nothing may start or resume this one later.
    """
    current = current_exercise(session, range_name)
    if current is None or current.state is ExerciseState.FINISHED:
        return None
    transition_in(session, current, "stop", actor, now)
    return current
