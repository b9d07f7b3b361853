"""A single-node swarm on this machine's engine for the tests, left as it was found.

Address space of this test area: 10.91-10.99.x and 100.64.90.0/24. The swarm's
own pool (ingress and any overlay without a subnet) is 10.99.0.0/16, so it never
meets another area's networks. `docker swarm leave --force` removes only
swarm-scoped objects (overlays, services); bridge networks of others stay.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "h11sw"
SWARM_POOL = "10.99.0.0/16"
# Test sessions may run at once (a developer's and CI's): each holds LOCK shared
# while it uses the swarm; MARK says a test session (not a person) made it.
LOCK = Path(tempfile.gettempdir()) / "cyberrange-test-swarm.lock"
MARK = Path(tempfile.gettempdir()) / "cyberrange-test-swarm.made"


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
    """`swarm init` when the engine is in no swarm; the last test session out leaves it."""
    with LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        if swarm_state() != "active":
            fcntl.flock(handle, fcntl.LOCK_EX)  # one session makes it, the others wait
            if swarm_state() != "active":
                docker(
                    "swarm", "init",
                    "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377",
                    "--default-addr-pool", SWARM_POOL, "--default-addr-pool-mask-length", "24",
                )  # fmt: skip
                MARK.write_text("made by a test session\n")
            fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            _leave_if_last(handle.fileno())


def _leave_if_last(fd: int) -> None:
    """Leave a swarm the tests made once no other session uses it (someone else's stays)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another session still uses it: it leaves when it ends
    if MARK.exists():
        docker("swarm", "leave", "--force", check=False)
        docker("network", "rm", "docker_gwbridge", check=False)  # swarm made it; rm if unused
        MARK.unlink()


def bridge_networks() -> set[str]:
    names = docker("network", "ls", "--filter", "driver=bridge", "--format", "{{.Name}}")
    return set(names.split())
