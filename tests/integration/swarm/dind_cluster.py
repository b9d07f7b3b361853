"""Three Docker engines in containers, joined into one swarm: the multi-node test cluster.

No registry and no docker:dind image here, so tests/integration/swarm/dind builds
one from Debian's docker.io package. This engine cannot run `--privileged`
containers (its capability bounding set lacks CAP_SYS_RESOURCE, so runc fails
with "unable to apply caps: operation not permitted"); the nodes get every other
capability, unconfined seccomp/AppArmor/system paths, all devices and the cgroup
tree instead, which is what a nested engine needs. Tests only.

Node engines listen on TCP 2375 without TLS on a test bridge (100.64.90.0/24);
each node's address is stored as its `cyberrange.engine` label, which is how
the Swarm backend reaches workers.
"""

from __future__ import annotations

import fcntl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

IMAGE = "cyberrange/dind:test"
CONTEXT = Path(__file__).resolve().parent / "dind"
NETWORK = "h11sw-nodes"
SUBNET = "100.64.90.0/24"
LABEL = "cyberrange.range=h11sw-nodes"
LOCK = Path(tempfile.gettempdir()) / "cyberrange-test-dind-swarm.lock"
POOL = "10.98.0.0/16"  # the nodes' swarm pool: nothing outside the nodes sees it
NODES = (
    ("h11sw-node1", "100.64.90.11"),
    ("h11sw-node2", "100.64.90.12"),
    ("h11sw-node3", "100.64.90.13"),
)
NODE_OPTIONS = [
    "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--security-opt", "systempaths=unconfined", "--device-cgroup-rule", "a *:* rwm",
    "-v", "/sys/fs/cgroup:/sys/fs/cgroup",
]  # fmt: skip


@dataclass(frozen=True)
class Cluster:
    manager_url: str
    urls: dict[str, str]  # node hostname → engine URL


def docker(*args: str, host: str | None = None, check: bool = True, timeout: float = 900) -> str:
    command = ["docker", *(["-H", host] if host else []), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed: {result.stderr.strip()[-500:]}")
    return result.stdout


def remove_cluster() -> None:
    ids = docker("ps", "-aq", "--filter", f"label={LABEL}").split()
    if ids:
        docker("rm", "-f", "-v", *ids, check=False)
    docker("network", "rm", NETWORK, check=False)
    volumes = docker("volume", "ls", "-q", "--filter", f"label={LABEL}").split()
    if volumes:
        docker("volume", "rm", "-f", *volumes, check=False)


def _start(name: str, address: str) -> str:
    docker("volume", "create", "--label", LABEL, f"{name}-data")
    docker(
        "run", "-d", "--name", name, "--hostname", name, "--label", LABEL,
        "--network", NETWORK, "--ip", address, *NODE_OPTIONS,
        "-v", f"{name}-data:/var/lib/docker", IMAGE, f"--cgroup-parent=/{name}",
    )  # fmt: skip
    return f"tcp://{address}:2375"


def _wait(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run(
            ["docker", "-H", url, "version", "--format", "{{.Server.Version}}"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"node engine {url} did not start: {result.stderr.strip()}")
        time.sleep(2)


def _wait_joined(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        state = docker("info", "--format", "{{.Swarm.LocalNodeState}}", host=url, check=False)
        if state.strip() == "active":
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"node {url} did not join the swarm (state: {state.strip()})")
        time.sleep(2)


def _form_swarm(urls: dict[str, str]) -> None:
    (_, manager), *workers = urls.items()
    address = NODES[0][1]
    docker(
        "swarm", "init", "--advertise-addr", address, "--default-addr-pool", POOL,
        "--default-addr-pool-mask-length", "24", host=manager,
    )  # fmt: skip
    token = docker("swarm", "join-token", "-q", "worker", host=manager).strip()
    for _, url in workers:
        # A busy machine may answer "Timeout was reached before node joined": the
        # join goes on in the background, so wait for the node's state instead.
        docker("swarm", "join", "--token", token, f"{address}:2377", host=url, check=False)
        _wait_joined(url)
    for name, url in workers:
        docker("node", "update", "--label-add", f"cyberrange.engine={url}", name, host=manager)


@contextmanager
def dind_swarm() -> Iterator[Cluster]:
    """Build the node image, start three nodes, form the swarm; remove it all afterwards.

    Test sessions running at once take turns (the nodes' names and addresses are fixed).
    """
    with LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        docker("build", "-q", "-t", IMAGE, str(CONTEXT))
        remove_cluster()  # leftovers of an interrupted run
        docker("network", "create", "--subnet", SUBNET, "--label", LABEL, NETWORK)
        try:
            urls = {name: _start(name, address) for name, address in NODES}
            for url in urls.values():
                _wait(url)
            _form_swarm(urls)
            yield Cluster(manager_url=urls[NODES[0][0]], urls=urls)
        finally:
            remove_cluster()
