"""The clock against a real SQLite database: ticks, injects, pause, restart, the end."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from game_helpers import scenario_dict  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from range.scenario.models import Inject, Scenario
from scoring.checkers.runner import ServiceResult
from scoring.clock import Clock, ClockCallbacks
from scoring.exercise import create_exercise, get_exercise, transition
from scoring.tables import ExerciseState, Fact, FactKind

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class TickLog:
    """Checks that only remember which ticks they were asked to run."""

    def __init__(self) -> None:
        self.ticks: list[int] = []

    def run_tick(self, exercise_id: int, secret: bytes, tick: int) -> Sequence[ServiceResult]:
        self.ticks.append(tick)
        return []


def _scenario(duration: int, tick: int) -> Scenario:
    injects = [
        {"at": 2, "to": "blue", "message": "Intel: watch the shop"},
        {"at": 3, "run": {"host": "box", "commands": [["true"]]}},
    ]
    return Scenario.model_validate(scenario_dict(duration=duration, tick=tick, injects=injects))


def _facts(engine: Engine, kind: FactKind) -> list[Fact]:
    with Session(engine) as session:
        return list(session.exec(select(Fact).where(Fact.kind == kind)).all())


def test_poll_steps_with_a_fixed_clock(engine: Engine) -> None:
    exercise = create_exercise(engine, "ex", "g", _scenario(60, 10), "s.yaml")
    assert exercise.id is not None
    transition(engine, "ex", "start", "cli:t", T0)
    moment = [T0]
    steps: list[Inject] = []
    callbacks = ClockCallbacks(run_step=steps.append)
    checks = TickLog()
    clock = Clock(engine, exercise.id, checks, callbacks, now=lambda: moment[0])
    other = Clock(engine, exercise.id, checks, now=lambda: moment[0])  # a second process
    for seconds in (0, 1, 2.5, 9, 10, 10.5, 35):
        moment[0] = T0 + timedelta(seconds=seconds)
        clock.poll()
        other.poll()
    assert checks.ticks == [1, 2, 4]  # ticks missed while nobody polled are not made up
    assert get_exercise(engine, "ex").current_tick == 4
    assert [s.run.host for s in steps if s.run] == ["box"]
    injects = _facts(engine, FactKind.INJECT)
    assert sorted(f.dedup_key or "" for f in injects) == ["inject:0", "inject:1"]
    assert {f.message for f in injects} >= {"Intel: watch the shop"}
    moment[0] = T0 + timedelta(seconds=60)
    clock.poll()
    assert get_exercise(engine, "ex").state is ExerciseState.FINISHED and clock.finished.is_set()


def test_paused_clock_does_nothing(engine: Engine) -> None:
    exercise = create_exercise(engine, "ex", "g", _scenario(60, 10), "s.yaml")
    assert exercise.id is not None
    transition(engine, "ex", "start", "cli:t", T0)
    transition(engine, "ex", "pause", "cli:t", T0 + timedelta(seconds=5))
    checks = TickLog()
    clock = Clock(engine, exercise.id, checks, now=lambda: T0 + timedelta(seconds=500))
    clock.poll()
    assert checks.ticks == [] and not _facts(engine, FactKind.INJECT)


def test_restart_resumes_without_running_a_tick_twice(engine: Engine) -> None:
    exercise = create_exercise(engine, "ex", "g", _scenario(6, 1), "s.yaml")
    assert exercise.id is not None
    transition(engine, "ex", "start", "cli:t")
    steps: list[Inject] = []
    first_checks, second_checks = TickLog(), TickLog()
    first = Clock(engine, exercise.id, first_checks, ClockCallbacks(run_step=steps.append), 0.2)
    first.start()
    time.sleep(2.5)
    first.stop()  # the process "dies"; the exercise stays running
    assert get_exercise(engine, "ex").state is ExerciseState.RUNNING
    second = Clock(engine, exercise.id, second_checks, ClockCallbacks(run_step=steps.append), 0.2)
    second.start()
    try:
        assert second.wait(timeout=15), "the exercise did not finish"
    finally:
        second.stop()
    assert first_checks.ticks[:2] == [1, 2]
    assert not set(first_checks.ticks) & set(second_checks.ticks)
    assert sorted(first_checks.ticks + second_checks.ticks) == [1, 2, 3, 4, 5, 6]
    markers = [f.dedup_key or "" for f in _facts(engine, FactKind.STATE) if f.outcome == "tick"]
    assert sorted(markers) == [f"tick:{n}" for n in range(1, 7)]
    assert len(steps) == 1  # the run inject fired once across both processes
    finished = get_exercise(engine, "ex")
    assert finished.state is ExerciseState.FINISHED and finished.current_tick == 6


def test_pause_from_another_process_takes_effect(engine: Engine) -> None:
    exercise = create_exercise(engine, "ex", "g", _scenario(30, 1), "s.yaml")
    assert exercise.id is not None
    transition(engine, "ex", "start", "cli:t")
    checks = TickLog()
    clock = Clock(engine, exercise.id, checks, poll_seconds=0.2)
    clock.start()
    try:
        time.sleep(1.5)
        transition(engine, "ex", "pause", "cli:other-shell")
        time.sleep(0.5)  # a poll in flight may still finish its tick
        before = list(checks.ticks)
        time.sleep(2.5)
        assert checks.ticks == before  # nothing moved while paused
        transition(engine, "ex", "resume", "cli:other-shell")
        time.sleep(1.5)
        assert len(checks.ticks) > len(before)
        assert checks.ticks == sorted(set(checks.ticks))
    finally:
        clock.stop()
