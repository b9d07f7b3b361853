"""Network drift: what runs in each container against the plan.

A container can run and still differ from its plan: a router restarted by
hand whose image could not restore its ruleset, a host whose routes were lost
in a restart (hosts have no NET_ADMIN to restore their own), an address
changed. ``network_drift`` reads, through the backend (so every engine works
alike), each running container's addresses, its main routing table
(`ip -j route`, no capability needed) and, for routers, the ``inet
cyberrange`` table (`nft -j list table`), and says in words what differs.
`cyberrange up` repairs all of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from range.backends.base import Backend, HostStatus
from range.backends.net_spec import NFT_TABLE, firewall_drift, route_drift
from range.plan import ContainerPlan, Plan

READ_TIMEOUT = 30.0
WORKERS = 8
ROUTES = ("ip", "-j", "route", "show", "table", "main")
RULESET = ("nft", "-j", "list", "table", "inet", NFT_TABLE)


def address_drift(container: ContainerPlan, addresses: dict[str, str]) -> list[str]:
    wanted = {i.network: i.address for i in container.interfaces}
    problems = [
        f"address on {network} is {addresses.get(network) or 'none'}, plan {address}"
        for network, address in sorted(wanted.items())
        if addresses.get(network) != address
    ]
    problems += [
        f"joined {network}, not in the plan" for network in sorted(set(addresses) - set(wanted))
    ]
    return problems


def _drift_of(
    backend: Backend, plan: Plan, container: ContainerPlan, host: HostStatus
) -> list[str]:
    problems = address_drift(container, host.addresses)
    routes = backend.exec(plan.range, container.name, ROUTES, timeout=READ_TIMEOUT)
    if routes.exit_code != 0:
        problems.append(f"routes unreadable: {(routes.stderr or routes.stdout).strip()[:200]}")
    else:
        problems += route_drift(container.routes, json.loads(routes.stdout or "[]"))
    if container.router:
        ruleset = backend.exec(plan.range, container.name, RULESET, timeout=READ_TIMEOUT)
        # nft exits 1 when the table does not exist: that is the drift "table missing".
        problems += firewall_drift(container, ruleset.stdout if ruleset.exit_code == 0 else "")
    return problems


def network_drift(
    backend: Backend, plan: Plan, hosts: Iterable[HostStatus]
) -> dict[str, list[str]]:
    """Container name -> differences from its plan (running containers only; empty: none)."""
    by_name = {c.name: c for c in plan.containers}
    running = [h for h in hosts if h.state == "running" and h.container in by_name]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        found = pool.map(
            lambda h: (h.container, _drift_of(backend, plan, by_name[h.container], h)), running
        )
        return {name: problems for name, problems in found if problems}
