"""Exercises: creation, the state machine and the time model.

States: created → running ⇄ paused → finished (stop is allowed from any state
but finished). Each transition is a compare-and-set on the row, so two
processes can never both pause or both finish, and is recorded as a STATE fact
with its actor.

Time: game time is wall time since start minus the time spent paused, so
pausing shifts the remaining schedule. Tick ``n`` covers game time
``[(n-1)·tick, n·tick)``; the exercise is over when game time reaches its
duration.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from range.errors import GameError, NotFoundError
from range.scenario.models import Scenario
from scoring.flags import new_secret
from scoring.game_content import differences
from scoring.tables import Exercise, ExerciseState, Fact, FactKind, TeamEntry, utcnow

# Which states each action may start from, and the state it leads to.
TRANSITIONS: dict[str, tuple[frozenset[ExerciseState], ExerciseState]] = {
    "start": (frozenset({ExerciseState.CREATED}), ExerciseState.RUNNING),
    "pause": (frozenset({ExerciseState.RUNNING}), ExerciseState.PAUSED),
    "resume": (frozenset({ExerciseState.PAUSED}), ExerciseState.RUNNING),
    "stop": (
        frozenset({ExerciseState.CREATED, ExerciseState.RUNNING, ExerciseState.PAUSED}),
        ExerciseState.FINISHED,
    ),
}


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def with_copies(scenario: Scenario, copies: int | None) -> Scenario:
    """The scenario as the exercise snapshots it: with the range's copy count."""
    if copies is not None and copies != scenario.copy_count():
        return scenario.with_copies(copies)
    return scenario


def create_exercise(
    engine: Engine,
    name: str,
    range_name: str,
    scenario: Scenario,
    scenario_path: str,
    copies: int | None = None,
) -> Exercise:
    """The exercise called ``name``: the existing one unless finished, else a new one.

    An existing exercise made from other game content (another tick, other
    copies…; see scoring.game_content) is refused rather than played on a
    range it no longer matches.
    """
    scenario = with_copies(scenario, copies)
    with Session(engine) as session:
        existing = session.exec(select(Exercise).where(Exercise.name == name)).first()
        if existing is not None:
            if existing.state is ExerciseState.FINISHED:
                raise GameError(
                    f"exercise {name!r} has finished; {_successor_hint(session, existing)}"
                )
            changed = differences(stored_snapshot(existing), snapshot(scenario))
            if changed:
                raise GameError(
                    f"exercise {name!r} was made from another version of the scenario "
                    f"({'; '.join(changed)}): `cyberrange up` the range again to start a new "
                    "exercise, or choose another name"
                )
            return existing
        exercise = add_exercise(session, name, range_name, scenario, scenario_path)
        session.commit()
        session.refresh(exercise)
        return exercise


def _successor_hint(session: Session, exercise: Exercise) -> str:
    """Where to go on from a finished exercise: the range's newer exercise, if any."""
    newest = session.exec(
        select(Exercise)
        .where(Exercise.range_name == exercise.range_name)
        .order_by(col(Exercise.id).desc())
        .limit(1)
    ).first()
    if newest is None or newest.id == exercise.id:
        return "choose another name"
    return f"range {exercise.range_name} now plays exercise {newest.name!r}"


def snapshot(scenario: Scenario) -> dict[str, Any]:
    """The scenario as an exercise stores it (and as game_content reads it)."""
    return scenario.model_dump(mode="json", by_alias=True)


def stored_snapshot(exercise: Exercise) -> dict[str, Any]:
    """The exercise's snapshot as this version's models would write it.

    Read back through the models so that keys added to them since (with their
    defaults) do not count as a change; a snapshot they no longer accept is
    compared as stored.
    """
    try:
        return snapshot(Scenario.model_validate(exercise.scenario))
    except ValidationError:
        return exercise.scenario


def add_exercise(
    session: Session, name: str, range_name: str, scenario: Scenario, scenario_path: str
) -> Exercise:
    """Add a new exercise and its team entries in the caller's transaction (flushed)."""
    exercise = Exercise(
        name=name,
        range_name=range_name,
        scenario_path=scenario_path,
        scenario=snapshot(scenario),
        secret=new_secret(),
        tick_seconds=scenario.tick,
        duration_seconds=scenario.duration,
        flag_lifetime=scenario.flag_lifetime,
        formula=scenario.scoring.formula,
    )
    session.add(exercise)
    session.flush()
    assert exercise.id is not None
    session.add_all(_team_entries(exercise.id, scenario))
    session.flush()
    return exercise


def _team_entries(exercise_id: int, scenario: Scenario) -> list[TeamEntry]:
    owners = scenario.copy_owners()
    entries = [
        TeamEntry(
            exercise_id=exercise_id, name=owner, role=_role_of(scenario, owner), copy_number=n
        )
        for n, owner in owners.items()
    ]
    entries += [
        TeamEntry(exercise_id=exercise_id, name=team.name, role=str(team.role), copy_number=0)
        for team in scenario.teams
        if not team.role.defends
    ]
    return entries


def _role_of(scenario: Scenario, owner: str) -> str:
    for team in scenario.defending_teams():
        if owner == team.name or owner.startswith(f"{team.name}-"):
            return str(team.role)
    return "blue"


def get_exercise(engine: Engine, name: str) -> Exercise:
    with Session(engine) as session:
        exercise = session.exec(select(Exercise).where(Exercise.name == name)).first()
    if exercise is None:
        raise NotFoundError(
            f"no exercise called {name!r} (start one with `cyberrange exercise start`)"
        )
    return exercise


def load_exercise(engine: Engine, exercise_id: int) -> Exercise:
    with Session(engine) as session:
        exercise = session.get(Exercise, exercise_id)
    if exercise is None:
        raise NotFoundError(f"no exercise with id {exercise_id}")
    return exercise


def transition(
    engine: Engine, name: str, action: str, actor: str, now: datetime | None = None
) -> Exercise:
    """Apply ``start``/``pause``/``resume``/``stop``; GameError if the state forbids it."""
    if action not in TRANSITIONS:
        raise GameError(f"unknown exercise action {action!r}")
    now = now or utcnow()
    with Session(engine) as session:
        exercise = session.exec(select(Exercise).where(Exercise.name == name)).first()
        if exercise is None:
            raise NotFoundError(f"no exercise called {name!r}")
        transition_in(session, exercise, action, actor, now)
        session.commit()
    return get_exercise(engine, name)


def transition_in(
    session: Session, exercise: Exercise, action: str, actor: str, now: datetime
) -> None:
    """The transition and its STATE fact in the caller's transaction (not committed)."""
    allowed, target = TRANSITIONS[action]
    name = exercise.name
    if exercise.state not in allowed:
        raise GameError(f"cannot {action} exercise {name!r}: it is {exercise.state}")
    values = _changes(exercise, action, now)
    before = exercise.state  # the update below also refreshes the loaded object
    # Compare-and-set: another process may have changed the state meanwhile.
    changed = session.execute(
        update(Exercise)
        .where(Exercise.id == exercise.id, Exercise.state == exercise.state)  # type: ignore[arg-type]
        .values(state=target, **values)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        # The caller's transaction rolls back as the error leaves it.
        raise GameError(f"exercise {name!r} changed state meanwhile; try again")
    session.add(_state_fact(exercise, action, before, actor, now))


def _changes(exercise: Exercise, action: str, now: datetime) -> dict[str, Any]:
    if action == "start":
        return {"started_at": now, "paused_at": None, "paused_seconds": 0.0}
    if action == "pause":
        return {"paused_at": now}
    if action == "resume":
        assert exercise.paused_at is not None
        paused = max(0.0, (now - aware(exercise.paused_at)).total_seconds())
        return {"paused_at": None, "paused_seconds": exercise.paused_seconds + paused}
    # stop: a paused exercise's pause ends with it, so game time stays frozen there.
    values: dict[str, Any] = {"finished_at": now, "paused_at": None}
    if exercise.paused_at is not None:
        paused = max(0.0, (now - aware(exercise.paused_at)).total_seconds())
        values["paused_seconds"] = exercise.paused_seconds + paused
    return values


def _state_fact(
    exercise: Exercise, action: str, before: ExerciseState, actor: str, now: datetime
) -> Fact:
    assert exercise.id is not None
    after = TRANSITIONS[action][1]
    return Fact(
        exercise_id=exercise.id,
        tick=current_tick(exercise, now),
        kind=FactKind.STATE,
        outcome=str(after),
        actor=actor,
        message=f"{action}: {before} → {after}",
        data={"action": action, "from": str(before), "to": str(after)},
    )


class Timing(Protocol):
    """What the tick arithmetic reads of an exercise (an ``Exercise`` row has it)."""

    state: ExerciseState
    started_at: datetime | None
    paused_at: datetime | None
    paused_seconds: float
    finished_at: datetime | None
    duration_seconds: int
    tick_seconds: int


def game_seconds(exercise: Timing, now: datetime | None = None) -> float:
    """Seconds of game time played: wall time since start minus time paused."""
    if exercise.started_at is None:
        return 0.0
    if exercise.state is ExerciseState.FINISHED and exercise.finished_at is not None:
        reference = aware(exercise.finished_at)
    elif exercise.paused_at is not None:
        reference = aware(exercise.paused_at)
    else:
        reference = aware(now or utcnow())
    played = (reference - aware(exercise.started_at)).total_seconds() - exercise.paused_seconds
    return min(max(0.0, played), float(exercise.duration_seconds))


def tick_count(exercise: Timing) -> int:
    return max(1, math.ceil(exercise.duration_seconds / exercise.tick_seconds))


def current_tick(exercise: Timing, now: datetime | None = None) -> int:
    """0 before the start, then 1, 2, … up to the last tick (kept after the end)."""
    if exercise.started_at is None:
        return 0
    played = game_seconds(exercise, now)
    return min(int(played // exercise.tick_seconds) + 1, tick_count(exercise))


def time_left(exercise: Exercise, now: datetime | None = None) -> float:
    return max(0.0, exercise.duration_seconds - game_seconds(exercise, now))


def is_over(exercise: Exercise, now: datetime | None = None) -> bool:
    """Game time has reached the duration (the clock then finishes the exercise)."""
    return exercise.started_at is not None and time_left(exercise, now) <= 0
