"""The nodes of a swarm and a Docker engine connection for each of them.

Swarm services cannot get fixed addresses, so range hosts are plain containers
on attachable overlay networks, created through the engine of the node that
runs them. How to reach a node's engine is stored in the swarm itself, as the
node label ``cyberrange.engine`` (``tcp://…`` or ``ssh://…``); the node the
manager connection points at needs none.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from python_on_whales import DockerClient

from range.backends.docker_engine import DockerEngine
from range.errors import BackendError, EngineUnavailableError

ENGINE_LABEL = "cyberrange.engine"
SWARM_HINT = (
    "the Docker engine is not a swarm manager: run `docker swarm init` (one node) or point "
    "DOCKER_HOST at a manager of your swarm"
)


@dataclass(frozen=True)
class Node:
    id: str
    hostname: str
    role: str  # manager | worker
    state: str  # ready | down | unknown
    availability: str  # active | pause | drain
    address: str
    engine_url: str  # "" on the manager's own node: the manager connection is used
    memory: int  # bytes
    cpus: float
    is_self: bool = False

    @property
    def reachable(self) -> bool:
        """Whether the backend can talk to this node's engine at all."""
        return self.is_self or bool(self.engine_url)

    @property
    def usable(self) -> bool:
        """Whether new range containers may be placed here."""
        return self.state == "ready" and self.availability == "active" and self.reachable


def node_from_inspect(info: dict[str, Any], self_id: str) -> Node:
    """A Node from one `docker node inspect` entry (pure)."""
    spec = info.get("Spec") or {}
    description = info.get("Description") or {}
    resources = description.get("Resources") or {}
    status = info.get("Status") or {}
    labels = spec.get("Labels") or {}
    node_id = str(info.get("ID", ""))
    return Node(
        id=node_id,
        hostname=str(description.get("Hostname", node_id[:12])),
        role=str(spec.get("Role", "worker")),
        state=str(status.get("State", "unknown")),
        availability=str(spec.get("Availability", "active")),
        address=str(status.get("Addr", "")),
        engine_url=str(labels.get(ENGINE_LABEL, "")),
        memory=int(resources.get("MemoryBytes", 0) or 0),
        cpus=int(resources.get("NanoCPUs", 0) or 0) / 1e9,
        is_self=node_id == self_id,
    )


def manager_node_id(engine: DockerEngine) -> str:
    """This engine's node id; raise with the `swarm init` hint unless it is a manager."""
    out = engine.run(["info", "--format", "{{json .Swarm}}"], "reading the swarm state")
    swarm: dict[str, Any] = json.loads(out or "{}") or {}
    if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
        state = swarm.get("LocalNodeState", "unknown")
        raise BackendError(f"{SWARM_HINT} (swarm state: {state})")
    return str(swarm.get("NodeID", ""))


def list_nodes(engine: DockerEngine) -> list[Node]:
    """Every node of the swarm, this manager's own first, then by hostname."""
    self_id = manager_node_id(engine)
    ids = engine.run(["node", "ls", "-q"], "listing swarm nodes").split()
    nodes = [node_from_inspect(info, self_id) for info in engine.inspect("node", ids)]
    return sorted(nodes, key=lambda n: (not n.is_self, n.hostname, n.id))


class NodeEngines:
    """One DockerEngine per node, opened on first use and shared between threads."""

    def __init__(self, manager: DockerEngine) -> None:
        self.manager = manager
        self._engines: dict[str, DockerEngine] = {}
        self._lock = threading.Lock()

    def engine(self, node: Node) -> DockerEngine:
        if node.is_self:
            return self.manager
        if not node.engine_url:
            raise EngineUnavailableError(
                f"swarm node {node.hostname} has no engine address: label it with "
                f"`docker node update --label-add {ENGINE_LABEL}=tcp://HOST:2375 {node.id}`"
            )
        with self._lock:
            found = self._engines.get(node.id)
            if found is None:
                found = DockerEngine(DockerClient(host=node.engine_url))
                self._engines[node.id] = found
            return found
