"""Stop the drill's process mid-exercise and start it again: it resumes, nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from range.config import Settings
from range.db import open_engine
from range.errors import NotFoundError
from scoring.exercise import current_tick, get_exercise
from scoring.tables import ExerciseState, Fact, FactKind

pytestmark = [pytest.mark.docker, pytest.mark.ansible, pytest.mark.slow]

NAME = "resumetest"


def demo_argv(data_dir: Path, output: Path) -> list[str]:
    code = "from cyberrange.cli import main; main()"
    return [
        sys.executable, "-c", code, "--data-dir", str(data_dir), "demo", "--name", NAME,
        "--duration", "150s", "--tick", "5s", "--output", str(output),
    ]  # fmt: skip


def wait_for_tick(settings: Settings, tick: int, process: subprocess.Popen[bytes]) -> int:
    from cyberrange.tables import import_all_tables

    import_all_tables()
    engine = open_engine(settings)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert process.poll() is None, "the demo ended before the exercise got going"
        try:
            exercise = get_exercise(engine, NAME)
        except NotFoundError:
            exercise = None
        if exercise is not None and exercise.state is ExerciseState.RUNNING:
            now = current_tick(exercise)
            if now >= tick:
                return now
        time.sleep(1)
    raise AssertionError(f"tick {tick} never came")


def kill_tree(process: subprocess.Popen[bytes], data_dir: Path) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # the web UI runs in its own session: find it by its data directory
    subprocess.run(["pkill", "-KILL", "-f", str(data_dir)], check=False)


@pytest.fixture
def settings(docker_engine: None, tmp_path: Path, root: Path) -> Iterator[Settings]:
    """The drill's settings; whatever happens, its range is taken down afterwards."""
    chosen = Settings(data_dir=tmp_path / "data", root=root)
    yield chosen
    code = "from cyberrange.cli import main; main()"
    down = [sys.executable, "-c", code, "--data-dir", str(chosen.data_dir), "down", NAME]
    subprocess.run(down, capture_output=True, cwd=root, timeout=600, check=False)


def test_killed_drill_resumes_at_the_right_tick(
    settings: Settings, tmp_path: Path, root: Path
) -> None:
    output = tmp_path / "reports"
    first = subprocess.Popen(
        demo_argv(settings.data_dir, output), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root,
    )  # fmt: skip
    killed_at = wait_for_tick(settings, 6, first)
    kill_tree(first, settings.data_dir)
    engine = open_engine(settings)
    exercise = get_exercise(engine, NAME)
    with Session(engine) as session:
        before = list(session.exec(select(Fact).where(Fact.exercise_id == exercise.id)).all())
    assert before

    second = subprocess.run(
        demo_argv(settings.data_dir, output), capture_output=True, text=True, cwd=root,
        timeout=900,
    )  # fmt: skip
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]

    exercise = get_exercise(engine, NAME)
    assert exercise.state is ExerciseState.FINISHED
    with Session(engine) as session:
        after = {f.id: f for f in session.exec(select(Fact).where(Fact.exercise_id == exercise.id))}
        ticks = session.exec(
            select(Fact.tick)
            .where(Fact.exercise_id == exercise.id, Fact.kind == FactKind.STATE)
            .where(Fact.outcome == "tick")
            .order_by(col(Fact.tick))
        ).all()
    assert all(f.id in after for f in before), "facts recorded before the kill were lost"
    assert len(ticks) == len(set(ticks)), "a tick ran twice"
    # Game time went on while no process ran; the new clock picks up at the tick of
    # that moment (no replay of missed ticks, no restart from tick 1).
    resumed = [t for t in ticks if t > killed_at]
    assert resumed, "the clock did not run again after the restart"
    assert ticks[: ticks.index(resumed[0])] == sorted(set(ticks[: ticks.index(resumed[0])]))
