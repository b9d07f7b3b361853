"""Helpers of the provisioning tests: test ranges made with plain `docker run`.

Ranges are named provtest-*; teardown removes only objects labeled with the
ranges these fixtures made.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from range.plan import LABEL_RANGE, ContainerPlan, Plan

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "scenario" / "scenario.yaml"


def docker(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(argv)} failed: {result.stderr.strip()}")
    return result


def labels(container_or_network: dict[str, str]) -> list[str]:
    return [
        part
        for key, value in container_or_network.items()
        for part in ("--label", f"{key}={value}")
    ]


def start_container(plan: Plan, container: ContainerPlan) -> None:
    """`docker run` one planned container (unprivileged, with its limits)."""
    first, *others = container.interfaces
    argv = ["run", "-d", "--name", container.name, "--hostname", container.hostname]
    argv += labels(container.labels)
    argv += ["--memory", container.memory, "--cpus", str(container.cpus)]
    argv += ["--pids-limit", str(container.pids)]
    argv += ["--network", first.network, "--ip", first.address, container.image]
    docker(*argv)
    for interface in others:
        docker("network", "connect", "--ip", interface.address, interface.network, container.name)


def remove_container(name: str) -> None:
    docker("rm", "-f", name, check=False)


def bring_up(plan: Plan, hosts: set[str]) -> list[ContainerPlan]:
    """Networks of the plan and the containers of `hosts` (every copy)."""
    for network in plan.networks:
        docker(
            "network",
            "create",
            "--internal",
            "--subnet",
            network.subnet,
            "--gateway",
            network.gateway,
            *labels(network.labels),
            network.name,
        )
    started = [c for c in plan.containers if c.host in hosts]
    for container in started:
        start_container(plan, container)
    return started


def tear_down(range_name: str) -> None:
    selector = f"label={LABEL_RANGE}={range_name}"
    ids = docker("ps", "-aq", "--filter", selector).stdout.split()
    if ids:
        docker("rm", "-f", *ids, check=False)
    networks = docker("network", "ls", "-q", "--filter", selector).stdout.split()
    if networks:
        docker("network", "rm", *networks, check=False)


def exec_in(container: str, *argv: str) -> str:
    return docker("exec", container, *argv).stdout


class Ranges:
    """Test ranges brought up with plain `docker run`; removed at teardown."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def up(self, plan: Plan, hosts: set[str]) -> list[ContainerPlan]:
        assert plan.range.startswith("provtest-")
        tear_down(plan.range)
        self.made.append(plan.range)
        return bring_up(plan, hosts)

    def recreate(self, plan: Plan, container: ContainerPlan) -> None:
        remove_container(container.name)
        start_container(plan, container)

    @staticmethod
    def exec(container: str, *argv: str) -> str:
        return exec_in(container, *argv)

    def close(self) -> None:
        for name in self.made:
            tear_down(name)
