"""A range left `deploying` by a killed process: `ranges` and `status` say so.

A real process takes the range's lock (as `up` does) and is killed with
SIGKILL; no Docker needed, the lock and the database are the whole story.
(`settings` and `engine`: tests/conftest.py, a private data directory.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings
from range.lock import abandoned_lock, range_lock
from range.planner import make_plan
from range.scenario.loader import load
from range.state import RangeState, interrupted_deploy, save_deploying, set_state

ROOT = Path(__file__).resolve().parents[3]
HELLO = ROOT / "scenarios" / "hello-range" / "scenario.yaml"
NAME = "killed-up"

# Takes the range's lock exactly as `up` does, says so, and waits to be killed.
LOCKER = """
import sys, time
from pathlib import Path
from range.config import Settings
from range.lock import range_lock
with range_lock(Settings(data_dir=Path(sys.argv[1])), sys.argv[2]):
    print("locked", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def locker(settings: Settings) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(settings.data_dir), NAME],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    process.stdout.close()


def _deploying(settings: Settings, engine: Engine, copies: int = 1) -> None:
    plan = make_plan(load(HELLO).scenario, range_name=NAME, copies=copies)
    save_deploying(engine, plan, str(HELLO), "docker")


def _cli(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(settings.data_dir), *args],
        catch_exceptions=False,
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_killed_deploying_process_is_named_with_the_repair(
    settings: Settings, engine: Engine, locker: subprocess.Popen[str]
) -> None:
    _deploying(settings, engine, copies=3)
    # While the process lives, the range is simply being deployed.
    assert interrupted_deploy(settings, engine, NAME) is None
    alive = _cli(settings, "ranges")
    assert "deploying" in alive and "gone" not in alive
    assert json.loads(_cli(settings, "ranges", "--json"))[0]["interrupted"] is None

    locker.send_signal(signal.SIGKILL)
    locker.wait(timeout=10)

    holder = interrupted_deploy(settings, engine, NAME)
    assert holder is not None and holder.pid == str(locker.pid)
    repair = f"cyberrange up {HELLO} --name {NAME} --copies 3"
    for args in (("ranges",), ("status",)):
        out = " ".join(_cli(settings, *args).split())  # rich wraps long lines
        assert "deploying, process gone" in out
        assert f"(pid {locker.pid}, since " in out and "is gone" in out
        assert f"run the same `cyberrange up` again to repair it: {repair}" in out
    [row] = json.loads(_cli(settings, "ranges", "--json"))
    assert row["state"] == "deploying"
    assert row["interrupted"]["pid"] == str(locker.pid)
    assert row["interrupted"]["repair"] == repair


def test_no_hint_once_the_range_is_up_or_never_locked_here(
    settings: Settings, engine: Engine
) -> None:
    _deploying(settings, engine)
    # No lock file in this data directory: nothing is known, nothing is claimed.
    assert interrupted_deploy(settings, engine, NAME) is None
    with range_lock(settings, NAME):
        pass
    holder = interrupted_deploy(settings, engine, NAME)
    assert holder is not None and holder.pid == str(os.getpid())
    assert "--copies" not in _cli(settings, "ranges")  # the scenario's own copy count
    set_state(engine, NAME, RangeState.UP)
    assert interrupted_deploy(settings, engine, NAME) is None
    assert "gone" not in _cli(settings, "ranges")


def test_a_reader_of_the_lock_never_makes_a_changer_refuse(settings: Settings) -> None:
    with range_lock(settings, NAME), abandoned_lock(settings, NAME) as holder:
        assert holder is None  # held by a changer: nothing abandoned
    reading = threading.Event()

    def read() -> None:
        with abandoned_lock(settings, NAME) as holder:
            assert holder is not None
            reading.set()
            time.sleep(0.3)  # a slow reader

    reader = threading.Thread(target=read)
    reader.start()
    assert reading.wait(5)
    with range_lock(settings, NAME):  # waits the reader out instead of refusing
        pass
    reader.join()
