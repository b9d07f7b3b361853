"""Crashes, conflicts and a missing engine: the range engine recovers or says why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_support import labeled, leftovers, write_firewalled  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine

from range.backends import get_backend
from range.backends.docker import DockerBackend
from range.config import Settings
from range.errors import ConflictError, EngineUnavailableError, NotFoundError
from range.lifecycle import down, status, up, verify
from range.scenario.loader import load
from range.state import RangeState, get_record

pytestmark = pytest.mark.docker

ENGINE_MESSAGE = "Docker engine unreachable: start it with `dockerd &` or `systemctl start docker`"


@pytest.fixture
def cleanup(docker_engine: None, settings: Settings) -> Iterator[list[str]]:
    """Range names to destroy (by label) after the test, whatever happened."""
    names: list[str] = []
    yield names
    for name in names:
        get_backend(settings).destroy(name)


def _start_up(settings: Settings, path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CYBERRANGE_DATA_DIR": str(settings.data_dir)}
    code = "from cyberrange.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "up", str(path), "--name", name],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_containers(process: subprocess.Popen[bytes], name: str, count: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if len(labeled("container", name)) >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"`up` ended (exit {process.returncode}) before it could be killed")
        time.sleep(0.05)
    pytest.fail("`up` created no container in 300s")


def test_up_killed_mid_way_then_up_again_converges(
    tmp_path: Path, settings: Settings, engine: Engine, cleanup: list[str]
) -> None:
    name = "h4be-kill"
    cleanup.append(name)
    path = write_firewalled(tmp_path, "kill", copies=3)
    process = _start_up(settings, path, name)
    _wait_for_containers(process, name, 2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    partial = len(labeled("container", name))
    plan_size = len(load(path).scenario.hosts)  # at least: 3 copies of most hosts
    assert partial >= 2 and process.returncode == -signal.SIGKILL
    assert get_record(engine, name).state == RangeState.DEPLOYING

    result = up(settings, engine, load(path), name)  # the lock died with the process
    assert len(result.plan.containers) > plan_size
    hosts = status(settings, engine, name).hosts
    assert {h.state for h in hosts} == {"running"} and len(hosts) == len(result.plan.containers)
    results = verify(settings, engine, name)
    assert all(r.ok for r in results), [r for r in results if not r.ok]

    assert down(settings, engine, name) > 0
    assert leftovers(name) == {}
    assert get_record(engine, name).state == RangeState.DOWN


def test_name_conflict_is_reported_and_leaves_nothing_behind(
    tmp_path: Path, settings: Settings, engine: Engine, cleanup: list[str]
) -> None:
    name = "h4be-conflict"
    cleanup.append(name)
    path = write_firewalled(tmp_path, "conflict", copies=2)
    squatter = f"{name}-c2-web"  # the name the plan gives copy 2's web host
    subprocess.run(
        ["docker", "create", "--name", squatter, "cyberrange/base"], check=True, capture_output=True
    )
    try:
        with pytest.raises(ConflictError, match=f"container {squatter} already exists"):
            up(settings, engine, load(path), name)
    finally:
        subprocess.run(["docker", "rm", "-f", squatter], capture_output=True)
    assert leftovers(name) == {}
    # Refused in the backend's preflight, before the range was recorded at all.
    with pytest.raises(NotFoundError):
        get_record(engine, name)


def test_subnet_conflict_names_the_foreign_network(
    tmp_path: Path, settings: Settings, engine: Engine, cleanup: list[str]
) -> None:
    name = "h4be-conflict"
    cleanup.append(name)
    path = write_firewalled(tmp_path, "conflict", copies=2)
    foreign = "h4be-foreign-net"
    subprocess.run(
        ["docker", "network", "create", "--subnet", "10.42.6.0/24", foreign],
        check=True,
        capture_output=True,
    )
    try:
        with pytest.raises(ConflictError, match=f"overlaps 10.42.6.0/24 of network {foreign}"):
            up(settings, engine, load(path), name)
    finally:
        subprocess.run(["docker", "network", "rm", foreign], capture_output=True)
    assert leftovers(name) == {}


def test_unreachable_engine_says_how_to_start_it(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"unix://{tmp_path / 'dead.sock'}"
    monkeypatch.setenv("DOCKER_HOST", dead)
    with pytest.raises(EngineUnavailableError, match=ENGINE_MESSAGE.replace("`", ".")):
        DockerBackend().check_engine()
    path = write_firewalled(tmp_path, "busy", copies=1)
    env = {**os.environ, "CYBERRANGE_DATA_DIR": str(settings.data_dir), "DOCKER_HOST": dead}
    code = "from cyberrange.cli import main; main()"
    shown = subprocess.run(
        [sys.executable, "-c", code, "up", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shown.returncode == 1
    assert shown.stderr.startswith(f"error: {ENGINE_MESSAGE}")
    assert "Traceback" not in shown.stderr
