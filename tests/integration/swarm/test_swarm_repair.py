"""A swarm range repairs itself on the next apply: stopped, removed and killed-mid-up objects."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_support import small_plan  # type: ignore[import-not-found]

from range.backends.swarm import SwarmBackend
from range.plan import Plan
from range.reach import Probe
from range.verify import run_probe

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def plan(backend: SwarmBackend) -> Iterator[Plan]:
    found = small_plan("h11sw-repair", octet=94)
    backend.destroy(found.range)
    yield found
    backend.destroy(found.range)


def _docker(*args: str) -> None:
    subprocess.run(["docker", *args], capture_output=True, check=True, timeout=120)


def test_stopped_and_removed_containers_come_back(backend: SwarmBackend, plan: Plan) -> None:
    backend.apply(plan)
    x, y = plan.container("x", 1), plan.container("y", 1)
    _docker("kill", x.name)
    _docker("rm", "-f", y.name)
    report = backend.apply(plan)
    assert report.replaced == (x.name,)
    assert report.created == (y.name,)
    assert {h.state for h in backend.status(plan.range)} == {"running"}
    probe = Probe(x.name, y.name, y.interfaces[0].address, 22, "tcp", True, "rule")
    assert run_probe(backend, plan.range, probe).ok


def test_an_up_killed_midway_is_finished_by_the_next(backend: SwarmBackend, plan: Plan) -> None:
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from backend_support import small_plan;"
        "from range.backends.swarm import SwarmBackend;"
        "SwarmBackend().apply(small_plan('h11sw-repair', octet=94))"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(ROOT / "tests/integration/backend")]
    )
    deadline = time.monotonic() + 120
    while not backend.status(plan.range) and time.monotonic() < deadline:
        time.sleep(0.2)  # kill it once the first container exists
    child.send_signal(signal.SIGKILL)
    child.wait()
    backend.apply(plan)
    hosts = backend.status(plan.range)
    assert sorted(h.container for h in hosts) == sorted(c.name for c in plan.containers)
    assert {h.state for h in hosts} == {"running"}
    assert backend.destroy(plan.range) == len(plan.containers) + len(plan.networks)
