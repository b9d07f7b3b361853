"""`status NAME` on the real engine says when the process deploying a range is gone.

A real process takes the range's lock as `up` does and is killed with
SIGKILL. The range creates nothing on the engine (its hosts show `missing`),
so no address space is needed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings
from range.planner import make_plan
from range.scenario.loader import load
from range.state import save_deploying

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[3]
HELLO = ROOT / "scenarios" / "hello-range" / "scenario.yaml"
NAME = "h4be-killed"

LOCKER = """
import sys, time
from pathlib import Path
from range.config import Settings
from range.lock import range_lock
with range_lock(Settings(data_dir=Path(sys.argv[1])), sys.argv[2]):
    print("locked", flush=True)
    time.sleep(600)
"""


def _status(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(settings.data_dir), "status", NAME, *args],
        catch_exceptions=False,
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_status_names_the_dead_deploying_process_and_the_repair(
    docker_engine: None, settings: Settings, engine: Engine
) -> None:
    plan = make_plan(load(HELLO).scenario, range_name=NAME)
    save_deploying(engine, plan, str(HELLO), "docker")
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(settings.data_dir), NAME],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        alive = _status(settings)
        assert f"range {NAME} (hello-range): deploying" in alive and "is gone" not in alive
        locker.send_signal(signal.SIGKILL)
        locker.wait(timeout=10)
    finally:
        if locker.poll() is None:
            locker.kill()
        locker.wait(timeout=10)
        assert locker.stdout is not None
        locker.stdout.close()

    out = " ".join(_status(settings).split())  # rich wraps long lines
    assert f"the process that was deploying it (pid {locker.pid}, since" in out
    repair = f"cyberrange up {HELLO} --name {NAME}"
    assert f"is gone: run the same `cyberrange up` again to repair it: {repair}" in out
    assert "missing" in out  # and the planned hosts are still listed
    data = json.loads(_status(settings, "--json"))
    assert data["state"] == "deploying"
    assert data["interrupted"] == {
        "pid": str(locker.pid),
        "since": data["interrupted"]["since"],
        "repair": repair,
    }
    assert {h["state"] for h in data["hosts"]} == {"missing"}
