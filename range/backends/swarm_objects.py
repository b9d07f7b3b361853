"""Finding and removing the objects of a swarm range: containers on nodes, overlays."""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from range.backends.docker_engine import DockerEngine, is_gone
from range.backends.docker_parallel import DEFAULT_WORKERS, run_parallel
from range.backends.swarm_nodes import Node, NodeEngines
from range.backends.swarm_placement import NodeLoad
from range.errors import BackendError, ConflictError
from range.plan import LABEL_RANGE, NetworkPlan

NETWORK_GONE_TIMEOUT = 60.0  # overlays disappear a moment after their last endpoint
_STILL_ATTACHED = ("active endpoints", "in use by task")


@dataclass(frozen=True)
class Found:
    """One container of a range, with the node it was found on."""

    node: Node
    info: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.info.get("Name", "")).lstrip("/")

    @property
    def labels(self) -> dict[str, str]:
        return dict((self.info.get("Config") or {}).get("Labels") or {})

    @property
    def running(self) -> bool:
        return (self.info.get("State") or {}).get("Status") == "running"


def info_name(info: dict[str, Any]) -> str:
    return str(info.get("Name", "")).lstrip("/")


def info_labels(info: dict[str, Any]) -> dict[str, str]:
    return dict((info.get("Config") or {}).get("Labels") or info.get("Labels") or {})


def on_nodes(
    nodes: Sequence[Node],
    engines: NodeEngines,
    work: Callable[[Node, DockerEngine], list[Any]],
    workers: int = DEFAULT_WORKERS,
) -> list[Any]:
    """Run ``work`` on the engine of every ready, reachable node at once; results joined.

    A node that is down is skipped: its containers are out of reach, and an
    `up` recreates them on the nodes that are left.
    """
    results: dict[str, list[Any]] = {}

    def one(node: Node) -> str:
        results[node.id] = work(node, engines.engine(node))
        return node.hostname

    alive = [n for n in nodes if n.reachable and n.state == "ready"]
    outcome = run_parallel(one, alive, None, workers)
    outcome.raise_first()
    return [item for node in nodes for item in results.get(node.id, [])]


def find_containers(
    nodes: Sequence[Node], engines: NodeEngines, range_name: str, name: str | None = None
) -> list[Found]:
    """The range's containers (or one of them, by name) on every reachable node."""

    def work(node: Node, engine: DockerEngine) -> list[Any]:
        label = f"{LABEL_RANGE}={range_name}"
        args = ["ps", "-a", "-q", "--no-trunc", "--filter", f"label={label}"]
        if name is not None:
            args += ["--filter", f"name=^/?{re.escape(name)}$"]
        ids = engine.run(args, f"listing containers on node {node.hostname}").split()
        return [Found(node, info) for info in engine.inspect("container", ids)]

    return on_nodes(nodes, engines, work)


def node_loads(
    nodes: Sequence[Node], engines: NodeEngines, range_name: str | None
) -> list[NodeLoad]:
    """Memory each usable node has, and the limits of what runs there (outside a range)."""
    fmt = '{{.HostConfig.Memory}} {{index .Config.Labels "' + LABEL_RANGE + '"}}'

    def work(node: Node, engine: DockerEngine) -> list[Any]:
        ids = engine.run(["ps", "-q", "--no-trunc"], f"listing containers on {node.hostname}")
        # Raw: containers of others may vanish between the two calls; skip those.
        out = engine.raw(["inspect", "--type", "container", "--format", fmt, *ids.split()])
        used = 0
        for line in out.stdout.splitlines() if ids else []:
            memory, _, owner = line.partition(" ")
            if (range_name is None or owner.strip() != range_name) and memory.isdigit():
                used += int(memory)
        return [NodeLoad(node.id, node.memory, used)]

    return on_nodes([n for n in nodes if n.usable], engines, work)


def check_network_conflicts(
    manager: DockerEngine, range_name: str, networks: Sequence[NetworkPlan]
) -> None:
    """Refuse before touching anything when a foreign network holds a name or subnet."""
    if not networks:
        return
    foreign = [
        info
        for info in manager.inspect("network", manager.list_ids("network"))
        if info_labels(info).get(LABEL_RANGE) != range_name
    ]
    for network in networks:
        subnet = ipaddress.ip_network(network.subnet)
        for info in foreign:
            if info_name(info) == network.name:
                raise ConflictError(
                    f"network {network.name} already exists and does not belong to "
                    f"range {range_name}: remove or rename it"
                )
            for config in (info.get("IPAM") or {}).get("Config") or []:
                other = config.get("Subnet")
                if other and ipaddress.ip_network(other, strict=False).overlaps(subnet):
                    raise ConflictError(
                        f"subnet {subnet} of network {network.name} overlaps {other} of "
                        f"network {info_name(info)}, which does not belong to range {range_name}"
                    )


def remove_overlay(manager: DockerEngine, name: str, timeout: float = NETWORK_GONE_TIMEOUT) -> None:
    """Remove an overlay and wait until the swarm has really let it go.

    A container's endpoint on another node is released a moment after the
    container goes, and the network lingers briefly after `rm`; waiting here
    means the next `up` (or another range) never meets a half-removed subnet.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = manager.raw(["network", "rm", name])
        gone = result.returncode != 0 and is_gone(BackendError(result.stderr))
        if result.returncode == 0 or gone:
            break
        lagging = any(marker in result.stderr for marker in _STILL_ATTACHED)
        if not lagging or time.monotonic() > deadline:
            raise BackendError(f"removing network {name}: {result.stderr.strip()}")
        time.sleep(0.5)
    while manager.raw(["network", "inspect", "--format", "{{.Id}}", name]).returncode == 0:
        if time.monotonic() > deadline:
            raise BackendError(f"network {name} is still listed {timeout:g}s after its removal")
        time.sleep(0.25)
