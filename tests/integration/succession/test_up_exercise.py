"""`up` and the range's exercise on a real engine, real Ansible and PostgreSQL.

Issue 13, items 4 and 5: repairing a range never depends on its exercise's
state, and `up` decides before it touches anything; a changed scenario or a
`down` starts a new exercise (the old one's records and audit chain kept), a
live exercise is a clear refusal — never a silent mix.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from succession_support import (  # type: ignore[import-not-found]
    Cli,
    chain_actions,
    container_id,
    exercises,
    read_flag,
    signed_by,
    teams,
    write_scenario,
)

from range.state import RangeState, get_record
from scoring.exercise import transition
from scoring.tables import ExerciseState

pytestmark = [pytest.mark.docker, pytest.mark.ansible, pytest.mark.postgres, pytest.mark.slow]


def test_up_repairs_a_range_whose_exercise_has_finished(
    run: Cli, db: Engine, tmp_path: Path, range_names: list[str]
) -> None:
    name = "x13-repair"
    range_names.append(name)
    scenario = str(write_scenario(tmp_path, octet=1))
    code, out = run("up", scenario, "--name", name)
    assert code == 0, out
    box = f"{name}-c1-box"
    planted = read_flag(box)
    code, out = run("exercise", "stop", name)
    assert code == 0, out
    subprocess.run(["docker", "rm", "-f", box], check=True, capture_output=True, timeout=120)

    code, out = run("up", scenario, "--name", name)

    assert code == 0, out
    assert "1 created" in out and f"exercise {name} kept" in out
    assert read_flag(box) == planted  # the finished exercise's flag, planted again
    (exercise,) = exercises(db, name)
    assert exercise.state is ExerciseState.FINISHED and signed_by(exercise, planted)


def test_changed_scenario_and_down_start_new_exercises(
    run: Cli, db: Engine, tmp_path: Path, range_names: list[str]
) -> None:
    name = "x13-change"
    range_names.append(name)
    box = f"{name}-c1-box"
    code, out = run("up", str(write_scenario(tmp_path, octet=2)), "--name", name)
    assert code == 0, out
    first = out

    changed = str(write_scenario(tmp_path, octet=2, tick="20s"))
    code, out = run("up", changed, "--name", name, "--copies", "2")
    assert code == 0, out
    old, new = exercises(db, name)
    assert (old.name, old.tick_seconds, old.state) == (name, 10, ExerciseState.FINISHED)
    assert (new.name, new.tick_seconds, new.state) == (f"{name}.2", 20, ExerciseState.CREATED)
    assert f"exercise {name} created" in first
    assert (
        f"scenario changed since exercise {name} (tick 10s → 20s; blue copies 1 → 2): "
        f"starting exercise {name}.2; {name}'s records are kept"
    ) in " ".join(out.split())
    assert teams(db, old) == {"red", "blue"}
    assert teams(db, new) == {"red", "blue-1", "blue-2"}  # the board matches the 2 copies
    assert signed_by(new, read_flag(box)) and signed_by(new, read_flag(f"{name}-c2-box"))
    assert chain_actions(db, name) == ["exercise.create", "exercise.replaced"]
    assert chain_actions(db, new.name) == ["exercise.create"]

    code, out = run("exercise", "start", name, "--no-checks")  # the old game is over
    assert code == 1 and f"now plays exercise '{name}.2'" in out

    code, out = run("down", name)
    assert code == 0, out
    code, out = run("up", changed, "--name", name, "--copies", "2")
    assert code == 0, out
    assert f"the range was down: starting exercise {name}.3" in out
    *_, third = exercises(db, name)
    assert third.name == f"{name}.3" and signed_by(third, read_flag(box))
    assert chain_actions(db, new.name) == ["exercise.create", "exercise.stop", "exercise.replaced"]


def test_up_refuses_to_replace_a_live_exercise_before_touching_the_range(
    run: Cli, db: Engine, tmp_path: Path, range_names: list[str]
) -> None:
    name = "x13-live"
    range_names.append(name)
    scenario = str(write_scenario(tmp_path, octet=3))
    code, out = run("up", scenario, "--name", name)
    assert code == 0, out
    transition(db, name, "start", "test")
    box = f"{name}-c1-box"
    before = container_id(box), read_flag(box)

    changed = str(write_scenario(tmp_path, octet=3, duration="20m"))
    code, out = run("up", changed, "--name", name, "--copies", "2")

    assert code == 1
    assert f"exercise {name}, which is running" in out and "stop it first" in out
    assert (container_id(box), read_flag(box)) == before
    assert container_id(f"{name}-c2-box") == ""  # copy 2 was never created
    assert get_record(db, name).state == RangeState.UP
    (exercise,) = exercises(db, name)
    assert exercise.state is ExerciseState.RUNNING and exercise.duration_seconds == 600

    code, out = run("down", name)  # down ends the game; its records stay
    assert code == 0 and f"exercise {name} stopped" in out
    (exercise,) = exercises(db, name)
    assert exercise.state is ExerciseState.FINISHED
    assert chain_actions(db, name) == ["exercise.create", "exercise.stop"]


def test_a_name_held_outside_the_range_is_refused_before_any_exercise_is_written(
    run: Cli, db: Engine, tmp_path: Path, range_names: list[str]
) -> None:
    name = "x13-held"
    range_names.append(name)
    squatter = f"{name}-c1-box"  # the name the plan gives the host, held by a stranger
    subprocess.run(
        ["docker", "create", "--name", squatter, "cyberrange/base", "true"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        code, out = run("up", str(write_scenario(tmp_path, octet=4)), "--name", name)
    finally:
        subprocess.run(["docker", "rm", "-f", squatter], capture_output=True, timeout=120)
    assert code == 1
    assert f"container {squatter} already exists and does not belong to range {name}" in out
    assert exercises(db, name) == []  # the backend refused before the exercise was decided
