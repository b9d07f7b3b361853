"""A range of three copies on three Docker engines (in containers) joined into one swarm."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dind_cluster import Cluster, dind_swarm  # type: ignore[import-not-found]
from python_on_whales import DockerClient
from swarm_scenarios import IMAGES, write_spread  # type: ignore[import-not-found]

from range.backends.docker_engine import DockerEngine
from range.backends.swarm import SwarmBackend
from range.backends.swarm_images import copy_images
from range.backends.tty_session import MARKER, TtySession, reap_marked
from range.cluster import cluster_status
from range.planner import make_plan
from range.scenario.loader import load
from range.verify import verify_plan

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def cluster(docker_engine: None) -> Iterator[Cluster]:
    with dind_swarm() as found:
        yield found


@pytest.fixture(scope="module")
def manager(cluster: Cluster) -> DockerEngine:
    engine = DockerEngine(DockerClient(host=cluster.manager_url))
    copy_images(DockerEngine(), engine, IMAGES)  # images are built on this machine only
    return engine


def test_copies_spread_over_the_nodes_verify_and_leave_nothing(
    manager: DockerEngine, tmp_path: Path
) -> None:
    backend = SwarmBackend(manager)
    assert [n.usable for n in backend.nodes()] == [True, True, True]
    plan = make_plan(load(write_spread(tmp_path)).scenario)
    messages: list[str] = []
    backend.apply(plan, messages.append)

    hosts = backend.status(plan.range)
    assert {h.container for h in hosts} == {c.name for c in plan.containers}
    assert all(h.state == "running" for h in hosts)
    per_copy = {copy: {h.node for h in hosts if h.copy == copy} for copy in (1, 2, 3)}
    assert all(len(nodes) == 1 for nodes in per_copy.values()), per_copy  # a copy stays together
    assert len(set.union(*per_copy.values())) == 3, per_copy  # and copies spread by load
    # Workers had no image: the backend streamed them from the manager.
    assert sum(m.startswith("images on") for m in messages) == 2, messages

    results = verify_plan(backend, plan)
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]
    attacker = next(h.node for h in hosts if h.host == "attacker")
    remote = {h.container for h in hosts if h.node != attacker}
    assert any(r.destination in remote and r.expected == "allowed" for r in results)

    views = {v.node.hostname: v for v in cluster_status(backend)}
    assert {copy for v in views.values() for _, copy in v.copies} == {0, 1, 2, 3}

    terminal_on_another_node(backend, plan.range, next(iter(remote)))

    again = backend.apply(plan)
    assert sorted(again.unchanged) == sorted(c.name for c in plan.containers)

    removed = backend.destroy(plan.range)
    assert removed == len(plan.containers) + len(plan.networks)
    assert backend.status(plan.range) == []
    assert manager.labeled("network", plan.range) == []


def terminal_on_another_node(backend: SwarmBackend, range_name: str, container: str) -> None:
    """A browser terminal's shell (what webui.terminal_run drives) on a worker's container:
    it answers a command, and closing it leaves no process of the session behind."""
    argv = backend.shell_argv(range_name, container, env={MARKER: "swarmterm"})
    session = TtySession(argv, cols=100, rows=30)
    shown = b""
    try:
        session.write(b"echo =$((6*7))=\n")
        for _ in range(60):
            chunk = session.read(1.0)
            if chunk:
                shown += chunk
            if b"=42=" in shown or chunk == b"":
                break
    finally:
        session.close()
    assert b"=42=" in shown, shown[-500:]
    reap_marked(backend, range_name, container, "swarmterm")
    assert reap_marked(backend, range_name, container, "swarmterm") == []


def test_bundled_scenario_is_provisioned_on_every_node_from_the_cli(
    cluster: Cluster, manager: DockerEngine, tmp_path: Path
) -> None:
    """`cyberrange up/verify/reset/down` with CYBERRANGE_BACKEND=swarm, DOCKER_HOST at a manager.

    `up` runs Ansible too: hosts on the workers are reached through their node's engine.
    """
    env = {
        **os.environ,
        "DOCKER_HOST": cluster.manager_url,
        "CYBERRANGE_BACKEND": "swarm",
        "CYBERRANGE_DATA_DIR": str(tmp_path / "data"),
    }
    cli = [str(Path(sys.executable).parent / "cyberrange")]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args], env=env, capture_output=True, text=True, timeout=1200, check=False
        )

    backend = SwarmBackend(manager)
    scenario = str(ROOT / "scenarios" / "hello-range" / "scenario.yaml")
    try:
        up = run("up", scenario, "--copies", "3")
        assert up.returncode == 0, up.stdout + up.stderr
        boxes = {h.copy: h for h in backend.status("hello-range") if h.host == "box"}
        assert len({h.node for h in boxes.values()}) == 3, boxes  # one copy per node
        flags = {copy: read_flag(backend, h.container) for copy, h in boxes.items()}
        assert len(set(flags.values())) == 3, flags  # each copy's own signed flag
        assert all(f.startswith("FLAG{") for f in flags.values()), flags
        inventory = (tmp_path / "data" / "inventories" / "hello-range.yml").read_text()
        assert inventory.count("ansible_docker_extra_args: --host tcp://") >= 4  # 2 workers
        verify = run("verify", "hello-range")
        assert verify.returncode == 0, verify.stdout + verify.stderr

        manager_node = next(n.hostname for n in backend.nodes() if n.is_self)
        copy, box = next((c, h) for c, h in boxes.items() if h.node != manager_node)
        backend.exec("hello-range", box.container, ["rm", "/root/flag.txt"])
        reset = run("reset", "hello-range", "box", "--copy", str(copy))
        assert reset.returncode == 0, reset.stdout + reset.stderr
        assert read_flag(backend, box.container) == flags[copy]  # planted again, on the worker
    finally:
        down = run("down", "hello-range")
    assert down.returncode == 0, down.stderr
    assert backend.status("hello-range") == []
    assert manager.labeled("network", "hello-range") == []


def read_flag(backend: SwarmBackend, container: str) -> str:
    result = backend.exec("hello-range", container, ["cat", "/root/flag.txt"], timeout=30)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()
