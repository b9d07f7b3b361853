"""Where things go in a topology picture: pure geometry, no drawing.

The shared part runs along the top across the whole width; each copy gets a
column below it. Networks are horizontal bars, one row each, ordered by router hops
from the shared networks; containers sit in a row just below the highest
network they are on, with a vertical line through every network they join.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from range.plan import Plan
from range.topology import copy_graphs, is_network

LABEL_WIDTH = 1.5  # left part of a copy's column, where the network labels go
SLOT_WIDTH = 0.9  # one container (marker and its label) per slot
LEVEL_HEIGHT = 2.0
SHARED_STEP = 0.7


@dataclass(frozen=True)
class Bar:
    name: str
    label: str
    copy: int
    y: float
    x0: float
    x1: float


@dataclass(frozen=True)
class Node:
    name: str
    label: str
    copy: int
    role: str
    x: float
    y: float
    attachments: tuple[float, ...]  # y of every network bar it joins


@dataclass(frozen=True)
class Layout:
    bars: tuple[Bar, ...]
    nodes: tuple[Node, ...]
    width: float
    top: float
    bottom: float


def layout(plan: Plan) -> Layout:
    copies = max(plan.copies, 1)
    per_copy = [0] * (copies + 1)
    for container in plan.containers:
        per_copy[container.copy] += 1
    column = LABEL_WIDTH + SLOT_WIDTH * max(per_copy[1:] or [1])
    width = max(column * copies, SLOT_WIDTH * (per_copy[0] + 1))
    graphs = copy_graphs(plan)
    shared = [n for n in plan.networks if n.copy == 0]
    bar_y = {n.name: SHARED_STEP * index for index, n in enumerate(shared)}
    bars = [Bar(n.name, f"{n.network} {n.subnet}", 0, bar_y[n.name], 0.0, width) for n in shared]
    for copy in range(1, plan.copies + 1):
        own = [n for n in plan.networks if n.copy == copy]
        levels = _levels(graphs[copy], [n.name for n in own])
        # One row per network, nearest to the shared part first.
        rows = sorted(range(len(own)), key=lambda index: (levels[own[index].name], index))
        x0 = column * (copy - 1)
        for row, index in enumerate(rows, start=1):
            network = own[index]
            bar_y[network.name] = -LEVEL_HEIGHT * row
            label = f"{network.network} {network.subnet}"
            bars.append(
                Bar(network.name, label, copy, bar_y[network.name], x0 + 0.1, x0 + column - 0.1)
            )
    nodes = _nodes(plan, bar_y, width, column)
    top = max([b.y for b in bars] + [n.y for n in nodes]) + 1.0
    bottom = min([b.y for b in bars] + [n.y for n in nodes]) - 1.0
    return Layout(tuple(bars), tuple(nodes), width, top, bottom)


def _levels(graph: nx.Graph, own: list[str]) -> dict[str, int]:
    """Router hops from the shared networks (networks cut off from them go last)."""
    start = [n for n in graph if is_network(graph, n) and graph.nodes[n]["copy"] == 0]
    hops = nx.multi_source_dijkstra_path_length(graph, start) if start else {}
    levels = {name: int(hops[name]) // 2 for name in own if name in hops}
    deepest = max(levels.values(), default=0)
    for name in own:
        if name not in levels:
            deepest += 1
            levels[name] = deepest
    return levels


def _nodes(plan: Plan, bar_y: dict[str, float], width: float, column: float) -> list[Node]:
    """One x slot per container of a copy, so no two vertical lines overlap."""
    placed: dict[int, list[tuple[float, str, tuple[float, ...]]]] = defaultdict(list)
    for container in plan.containers:
        ys = tuple(sorted((bar_y[i.network] for i in container.interfaces), reverse=True))
        if ys:
            y = max(ys) + 1.0 if container.copy == 0 else max(ys) - LEVEL_HEIGHT / 2
            placed[container.copy].append((y, container.name, ys))
    by_name = {c.name: c for c in plan.containers}
    nodes = []
    for copy, members in placed.items():
        # Per-copy slots start right of the bar labels; shared ones sit half a
        # slot off so their lines never meet a copy's router line on a bar.
        if copy == 0:
            x0, step = 0.3, (width - 0.3) / (len(members) + 1)
        else:
            x0, step = column * (copy - 1) + LABEL_WIDTH, SLOT_WIDTH
        for index, (y, name, ys) in enumerate(sorted(members, key=lambda m: (-m[0], m[1]))):
            container = by_name[name]
            addresses = "\n".join(i.address for i in container.interfaces)
            label = f"{container.host}\n{addresses}"
            x = x0 + step * (index + 0.5)
            nodes.append(Node(name, label, copy, container.role, x, y, ys))
    return nodes
