"""Helpers of the provisioning tests: test ranges brought up by the Docker backend.

Ranges are named provtest-*; teardown removes only objects labeled with the
ranges these helpers made.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from range.backends.docker import DockerBackend
from range.plan import ContainerPlan, Plan

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "scenario" / "scenario.yaml"


class Ranges:
    """Test ranges (networks, routers, hosts) made by the real backend."""

    def __init__(self) -> None:
        self.backend = DockerBackend()
        self.made: list[str] = []

    def up(self, plan: Plan) -> None:
        assert plan.range.startswith("provtest-")
        self.backend.destroy(plan.range)
        self.made.append(plan.range)
        self.backend.apply(plan)

    def recreate(self, plan: Plan, container: ContainerPlan) -> None:
        self.backend.recreate(plan, container)

    @staticmethod
    def exec(container: str, *argv: str) -> str:
        result = subprocess.run(
            ["docker", "exec", container, *argv], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise AssertionError(f"{argv} in {container} failed: {result.stderr.strip()}")
        return result.stdout

    def close(self) -> None:
        for name in self.made:
            self.backend.destroy(name)
