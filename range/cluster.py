"""The swarm as a whole: its nodes, their load, which copies run where; images on every node."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from range.backends.base import ProgressCallback
from range.backends.docker_engine import DockerEngine
from range.backends.docker_parallel import run_parallel
from range.backends.swarm import SwarmBackend
from range.backends.swarm_images import copy_images
from range.backends.swarm_nodes import Node
from range.backends.swarm_objects import node_loads, on_nodes
from range.plan import LABEL_COPY, LABEL_HOST, LABEL_RANGE


@dataclass(frozen=True)
class NodeView:
    node: Node
    memory_used: int  # bytes: memory limits of the running containers (all of them)
    running: int  # range containers running here
    stopped: int  # range containers here that do not run
    copies: tuple[tuple[str, int], ...] = field(default=())  # (range, copy) with a container here

    @property
    def load(self) -> float:
        """Share of the node's memory promised to running containers (0 when unknown)."""
        return self.memory_used / self.node.memory if self.node.memory else 0.0


_FORMAT = (
    f'{{{{.Label "{LABEL_RANGE}"}}}}\t{{{{.Label "{LABEL_COPY}"}}}}\t'
    f'{{{{.Label "{LABEL_HOST}"}}}}\t{{{{.State}}}}'
)


def cluster_status(backend: SwarmBackend) -> list[NodeView]:
    """Every node of the swarm with what the ranges run on it (unreachable nodes: empty)."""
    nodes = backend.nodes()
    used = {load.node: load.used for load in node_loads(nodes, backend.engines, None)}

    def ranges_on(node: Node, engine: DockerEngine) -> list[tuple[str, str]]:
        out = engine.run(
            ["ps", "-a", "--filter", f"label={LABEL_RANGE}", "--format", _FORMAT],
            f"listing range containers on {node.hostname}",
        )
        rows = [line.split("\t") for line in out.splitlines() if line.strip()]
        return [(node.id, "\t".join(row)) for row in rows if len(row) == 4 and row[2]]

    rows = on_nodes(nodes, backend.engines, ranges_on)
    views = []
    for node in nodes:
        mine = [row.split("\t") for node_id, row in rows if node_id == node.id]
        states = Counter(state == "running" for _, _, _, state in mine)
        copies = sorted({(name, int(copy or 0)) for name, copy, _, _ in mine})
        views.append(
            NodeView(node, used.get(node.id, 0), states[True], states[False], tuple(copies))
        )
    return views


IMAGE_PREFIX = "cyberrange/"
_NOT_RANGE_IMAGES = ("cyberrange/base-rootfs", "cyberrange/dind")


def range_images(backend: SwarmBackend) -> list[str]:
    """The cyberrange images on the manager's engine (what `images build` made)."""
    out = backend.manager.run(
        ["image", "ls", "--filter", f"reference={IMAGE_PREFIX}*", "--format",
         "{{.Repository}}:{{.Tag}}"],
        "listing images",
    )  # fmt: skip
    names = {line.strip() for line in out.splitlines() if "<none>" not in line and line.strip()}
    return sorted(n for n in names if not n.startswith(_NOT_RANGE_IMAGES))


def push_images(
    backend: SwarmBackend, images: Sequence[str], progress: ProgressCallback | None = None
) -> dict[str, list[str]]:
    """Load into every other reachable node the images it lacks; hostname → images loaded."""
    others = [n for n in backend.nodes() if n.reachable and not n.is_self]
    loaded: dict[str, list[str]] = {}

    def one(node: Node) -> str:
        loaded[node.hostname] = copy_images(backend.manager, backend.node_engine(node), images)
        return f"{node.hostname}: {len(loaded[node.hostname])} image(s) loaded"

    run_parallel(one, others, progress, backend.workers).raise_first()
    return loaded
