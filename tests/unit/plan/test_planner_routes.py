"""Routes: every host reaches every network through routers; no default routes."""

from __future__ import annotations

import networkx as nx

from range.plan import Plan
from range.scenario.models import Scenario
from range.topology import scenario_graph


def _routes(plan: Plan, host: str, copy: int) -> dict[str, str]:
    return {r.destination: r.via for r in plan.container(host, copy).routes}


def test_hosts_route_through_their_router(dmz_plan: Plan) -> None:
    assert _routes(dmz_plan, "web", 1) == {
        "10.1.2.0/24": "10.1.1.2",
        "198.51.100.0/24": "10.1.1.2",
    }
    assert _routes(dmz_plan, "db", 2) == {
        "10.2.1.0/24": "10.2.2.2",
        "198.51.100.0/24": "10.2.2.2",
    }


def test_no_default_routes_anywhere(dmz_plan: Plan, pivot_plan: Plan) -> None:
    for plan in (dmz_plan, pivot_plan):
        for container in plan.containers:
            assert all(r.destination != "default" for r in container.routes)


def test_shared_host_routes_to_each_copy_through_that_copys_router(dmz_plan: Plan) -> None:
    gw1 = dmz_plan.container("gw", 1).address_on("dmz-breach-internet")
    gw2 = dmz_plan.container("gw", 2).address_on("dmz-breach-internet")
    assert _routes(dmz_plan, "attacker", 0) == {
        "10.1.1.0/24": gw1,
        "10.1.2.0/24": gw1,
        "10.2.1.0/24": gw2,
        "10.2.2.0/24": gw2,
    }


def test_per_copy_hosts_never_route_to_other_copies(dmz_plan: Plan) -> None:
    for container in dmz_plan.containers:
        if container.copy > 0:
            other = "10.2." if container.copy == 1 else "10.1."
            assert not any(r.destination.startswith(other) for r in container.routes)


def test_routers_in_a_row_get_routes_beyond_the_next_router(pivot_plan: Plan) -> None:
    edge_dmz = pivot_plan.container("edge", 1).address_on("pivot-c1-dmz")
    core_dmz = pivot_plan.container("core", 1).address_on("pivot-c1-dmz")
    edge_internet = pivot_plan.container("edge", 1).address_on("pivot-internet")
    # routers: only networks more than one hop away
    assert _routes(pivot_plan, "edge", 1) == {"10.1.2.0/24": core_dmz}
    assert _routes(pivot_plan, "core", 1) == {"203.0.113.0/24": edge_dmz}
    # hosts: every network they are not on, via the first router on the way
    assert _routes(pivot_plan, "web", 1) == {"10.1.2.0/24": core_dmz, "203.0.113.0/24": edge_dmz}
    assert _routes(pivot_plan, "db", 1) == {
        "10.1.1.0/24": pivot_plan.container("core", 1).address_on("pivot-c1-internal"),
        "203.0.113.0/24": pivot_plan.container("core", 1).address_on("pivot-c1-internal"),
    }
    assert _routes(pivot_plan, "attacker", 0)["10.1.2.0/24"] == edge_internet


def test_topology_graph_of_one_copy_holds_it_and_the_shared_part(dmz: Scenario) -> None:
    graph = scenario_graph(dmz, copy=2)
    assert "dmz-breach-internet" in graph and "dmz-breach-c2-web" in graph
    assert "dmz-breach-c1-web" not in graph and "dmz-breach-c1-dmz" not in graph
    assert graph.edges["dmz-breach-c2-web", "dmz-breach-c2-dmz"]["address"] == "10.2.1.10"
    assert graph.nodes["dmz-breach-c2-gw"]["router"] is True
    assert graph.nodes["dmz-breach-c2-dmz"]["subnet"] == "10.2.1.0/24"
    whole = scenario_graph(dmz, copies=3)
    assert "dmz-breach-c3-db" in whole and "dmz-breach-c1-db" in whole
    # web reaches db only through the router
    path = nx.shortest_path(graph, "dmz-breach-c2-web", "dmz-breach-c2-db")
    assert "dmz-breach-c2-gw" in path
