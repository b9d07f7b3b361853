"""Static routes of every container, computed from the topology graphs.

No default routes: ranges have no upstream. A host of copy ``c`` gets a route
to every network of copy ``c`` and every shared network it can reach through
routers (shortest path, ties broken by name). Routers get routes to the
networks more than one router hop away. Shared hosts route to each copy's
networks through that copy's routers; checkers need none (they sit on every
per-copy network of their copy).
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Network

import networkx as nx

from range.plan import ROLE_CHECKER, ContainerPlan, NetworkPlan, Route
from range.topology import first_hops, graphs_by_copy


def with_routes(
    containers: list[ContainerPlan], networks: tuple[NetworkPlan, ...], copies: int
) -> list[ContainerPlan]:
    graphs = graphs_by_copy(networks, containers, copies)
    subnets = {network.name: network.subnet for network in networks}
    order = {n.subnet: int(IPv4Network(n.subnet).network_address) for n in networks}
    result = []
    for container in containers:
        if container.role == ROLE_CHECKER:
            result.append(container)
            continue
        hops = _hops(container, graphs, copies)
        routes = sorted(
            (Route(destination=subnets[net], via=via) for net, via in hops.items()),
            key=lambda r: order[r.destination],
        )
        result.append(replace(container, routes=tuple(routes)))
    return result


def _hops(container: ContainerPlan, graphs: dict[int, nx.Graph], copies: int) -> dict[str, str]:
    if container.copy > 0:
        return first_hops(graphs[container.copy], container.name)
    # A shared host reaches shared networks through shared routers only, and
    # copy d's networks through the graph of copy d (so through d's routers).
    hops = first_hops(graphs[0], container.name)
    for copy in range(1, copies + 1):
        graph = graphs[copy]
        for net, via in first_hops(graph, container.name).items():
            if graph.nodes[net]["copy"] == copy:
                hops[net] = via
    return hops
