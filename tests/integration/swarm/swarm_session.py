"""A single-node swarm on this machine's engine for the tests, left as it was found.

Address space of this test area: 10.91-10.99.x and 100.64.90.0/24. The swarm's
own pool (ingress and any overlay without a subnet) is 10.99.0.0/16, so it never
meets another area's networks. `docker swarm leave --force` removes only
swarm-scoped objects (overlays, services); bridge networks of others stay.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

PREFIX = "h11sw"
SWARM_POOL = "10.99.0.0/16"


def docker(*args: str, check: bool = True) -> str:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def swarm_state() -> str:
    info = json.loads(docker("info", "--format", "{{json .Swarm}}") or "{}")
    return str(info.get("LocalNodeState", "inactive"))


@contextmanager
def single_node_swarm() -> Iterator[None]:
    """`swarm init` when the engine is not in a swarm; `swarm leave --force` at the end then."""
    if swarm_state() == "active":
        yield  # someone else's swarm (or one left by a developer): leave it alone
        return
    docker(
        "swarm", "init",
        "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377",
        "--default-addr-pool", SWARM_POOL, "--default-addr-pool-mask-length", "24",
    )  # fmt: skip
    try:
        yield
    finally:
        docker("swarm", "leave", "--force", check=False)


def bridge_networks() -> set[str]:
    names = docker("network", "ls", "--filter", "driver=bridge", "--format", "{{.Name}}")
    return set(names.split())
