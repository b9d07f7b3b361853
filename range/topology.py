"""The topology of a plan as networkx graphs.

Nodes are networks and containers (hosts, routers, checkers); an edge joins a
container to a network it has an interface on and carries the address. The
graph of copy ``c`` holds that copy's objects plus the shared ones, which is
exactly what a container of that copy may route through; the graph of copy 0
holds the shared part only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import networkx as nx

from range.plan import ContainerPlan, NetworkPlan, Plan
from range.scenario.models import Scenario

KIND_NETWORK = "network"
KIND_CONTAINER = "container"


def plan_graph(plan: Plan, copy: int | None = None) -> nx.Graph:
    """The whole plan (``copy=None``), or copy ``copy`` plus the shared part."""
    keep = None if copy is None else {0, copy}
    networks = [n for n in plan.networks if keep is None or n.copy in keep]
    containers = [c for c in plan.containers if keep is None or c.copy in keep]
    return build_graph(networks, containers)


def scenario_graph(
    scenario: Scenario, copy: int | None = None, copies: int | None = None
) -> nx.Graph:
    """``plan_graph`` of the scenario's plan (named after the scenario)."""
    # The planner builds on this module, so it is imported only when needed.
    from range.planner import make_plan

    return plan_graph(make_plan(scenario, copies=copies), copy)


def copy_graphs(plan: Plan) -> dict[int, nx.Graph]:
    """Copy number → its graph (0: shared part only)."""
    return graphs_by_copy(plan.networks, plan.containers, plan.copies)


def graphs_by_copy(
    networks: Iterable[NetworkPlan], containers: Iterable[ContainerPlan], copies: int
) -> dict[int, nx.Graph]:
    nets: dict[int, list[NetworkPlan]] = defaultdict(list)
    boxes: dict[int, list[ContainerPlan]] = defaultdict(list)
    for network in networks:
        nets[network.copy].append(network)
    for container in containers:
        boxes[container.copy].append(container)
    graphs = {0: build_graph(nets[0], boxes[0])}
    for number in range(1, copies + 1):
        graphs[number] = build_graph(nets[0] + nets[number], boxes[0] + boxes[number])
    return graphs


def build_graph(networks: Iterable[NetworkPlan], containers: Iterable[ContainerPlan]) -> nx.Graph:
    graph = nx.Graph()
    for network in networks:
        graph.add_node(
            network.name,
            kind=KIND_NETWORK,
            copy=network.copy,
            label=network.network,
            subnet=network.subnet,
        )
    for container in containers:
        graph.add_node(
            container.name,
            kind=KIND_CONTAINER,
            copy=container.copy,
            label=container.host,
            role=container.role,
            router=container.router,
        )
        for interface in container.interfaces:
            if interface.network in graph:
                graph.add_edge(container.name, interface.network, address=interface.address)
    return graph


def is_router(graph: nx.Graph, node: str) -> bool:
    return bool(graph.nodes[node].get("router", False))


def is_network(graph: nx.Graph, node: str) -> bool:
    return bool(graph.nodes[node]["kind"] == KIND_NETWORK)


def first_hops(graph: nx.Graph, source: str) -> dict[str, str]:
    """Network node → address of the first router towards it, from container ``source``.

    Breadth-first over networks, crossing routers only (hosts do not forward),
    neighbours in name order so ties always break the same way. Networks the
    source is attached to are not in the result.
    """
    attached = sorted(graph[source])
    via: dict[str, str | None] = dict.fromkeys(attached)
    queue = list(attached)
    crossed = {source}
    for network in queue:
        for router in sorted(graph[network]):
            if router in crossed or not is_router(graph, router):
                continue
            crossed.add(router)
            hop = via[network] or graph.edges[router, network]["address"]
            for onward in sorted(graph[router]):
                if onward not in via:
                    via[onward] = hop
                    queue.append(onward)
    return {net: hop for net, hop in via.items() if hop is not None}
