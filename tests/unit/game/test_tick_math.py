from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from range.scenario.models import Scenario
from scoring.exercise import (
    create_exercise,
    current_tick,
    game_seconds,
    get_exercise,
    is_over,
    tick_count,
    time_left,
    transition,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_ticks_while_running(engine: Engine, scenario: Scenario) -> None:
    exercise = create_exercise(engine, "ex", "gtest", scenario, "s.yaml")
    assert current_tick(exercise, at(0)) == 0  # not started
    exercise = transition(engine, "ex", "start", "t", at(0))
    assert [current_tick(exercise, at(s)) for s in (0, 9.99, 10, 25, 59.9)] == [1, 1, 2, 3, 6]
    assert tick_count(exercise) == 6
    assert not is_over(exercise, at(59.9))
    assert is_over(exercise, at(60)) and current_tick(exercise, at(600)) == 6


def test_pause_freezes_and_shifts_the_schedule(engine: Engine, scenario: Scenario) -> None:
    create_exercise(engine, "ex", "gtest", scenario, "s.yaml")
    transition(engine, "ex", "start", "t", at(0))
    paused = transition(engine, "ex", "pause", "t", at(15))
    # Paused: game time stands still however long the pause lasts.
    assert game_seconds(paused, at(1000)) == 15 and current_tick(paused, at(1000)) == 2
    resumed = transition(engine, "ex", "resume", "t", at(115))
    assert current_tick(resumed, at(115)) == 2
    assert current_tick(resumed, at(119.9)) == 2
    assert current_tick(resumed, at(120)) == 3  # 20 s of game time
    assert time_left(resumed, at(120)) == 40
    assert not is_over(resumed, at(150)) and is_over(resumed, at(160))


def test_restart_reads_the_right_tick_from_the_database(engine: Engine, scenario: Scenario) -> None:
    create_exercise(engine, "ex", "gtest", scenario, "s.yaml")
    transition(engine, "ex", "start", "t", at(0))
    transition(engine, "ex", "pause", "t", at(12))
    transition(engine, "ex", "resume", "t", at(42))
    engine.dispose()  # a "new process": nothing kept in memory
    fresh = get_exercise(engine, "ex")
    assert fresh.started_at is not None
    assert current_tick(fresh, at(42)) == 2
    assert current_tick(fresh, at(61)) == 4  # 31 s played


def test_stop_while_paused_keeps_game_time(engine: Engine, scenario: Scenario) -> None:
    create_exercise(engine, "ex", "gtest", scenario, "s.yaml")
    transition(engine, "ex", "start", "t", at(0))
    transition(engine, "ex", "pause", "t", at(35))
    stopped = transition(engine, "ex", "stop", "t", at(300))
    assert game_seconds(stopped, at(5000)) == 35 and current_tick(stopped, at(5000)) == 4
