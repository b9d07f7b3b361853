"""The access part of a plan: per team instance, what its people reach (pure, no I/O).

Every team instance with an ``access:`` entry (red, blue-1, blue-2...) gets an
``AccessGrant``: its granted networks (a defending instance: its own copy's),
its shell hosts (container names), and a VPN client subnet.

VPN client subnets come from 100.64.0.0/10 (shared address space, RFC 6598,
never a range's or the internet's): a range takes the /16 ``100.(64+b).0.0``
with ``b`` from a hash of its name (so two ranges on one engine host rarely
meet; the endpoint refuses when they do), and instance ``i`` (1..) the /24
``100.(64+b).i.0``. The endpoint takes ``.1``, participants the rest.

Containers on a granted network answer VPN clients through the engine host:
each gets a planned route to the client subnet via the host's address on that
network (its gateway), so "a container's routes are exactly the plan's" stays
true. Checkers get none: VPN clients have no business with them.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from ipaddress import IPv4Network
from typing import TypeVar

from range.errors import PlanError
from range.plan import (
    ROLE_CHECKER,
    AccessGrant,
    ContainerPlan,
    GrantedHost,
    GrantedNetwork,
    NetworkPlan,
    Route,
)
from range.scenario.models import Access, Scenario

T = TypeVar("T")
VPN_SPACE = IPv4Network("100.64.0.0/10")
MAX_INSTANCES = 254


def vpn_block(range_name: str) -> int:
    """The range's /16 inside VPN_SPACE (0..63)."""
    return hashlib.sha256(range_name.encode()).digest()[0] % 64


def client_subnet(range_name: str, index: int) -> str:
    return f"100.{64 + vpn_block(range_name)}.{index}.0/24"


def access_grants(
    range_name: str,
    scenario: Scenario,
    networks: tuple[NetworkPlan, ...],
    containers: list[ContainerPlan],
) -> tuple[AccessGrant, ...]:
    """One grant per team instance the scenario's ``access:`` names, in team order."""
    by_key = {(n.network, n.copy): n for n in networks}
    by_host = {(c.host, c.copy): c for c in containers}
    grants: list[AccessGrant] = []
    for instance, copy, entry in _instances(scenario):
        index = len(grants) + 1
        if index > MAX_INSTANCES:
            raise PlanError(f"access: more than {MAX_INSTANCES} team instances with a VPN")
        granted = tuple(
            GrantedNetwork(n.name, n.network, n.subnet, n.gateway)
            for n in (_pick(by_key, name, copy, "network") for name in entry.vpn)
        )
        hosts = tuple(
            GrantedHost(name, _pick(by_host, name, copy, "host").name) for name in entry.shell
        )
        grants.append(
            AccessGrant(instance, copy, index, client_subnet(range_name, index), granted, hosts)
        )
    _check_space(grants, networks)
    return tuple(grants)


def _instances(scenario: Scenario) -> list[tuple[str, int, Access]]:
    """(instance name, copy, access entry) of every team that has an entry."""
    owners = {name: copy for copy, name in scenario.copy_owners().items()}
    found: list[tuple[str, int, Access]] = []
    for team in scenario.teams:
        entry = scenario.access_for(team)
        if entry is None:
            continue
        if not team.role.defends:
            found.append((team.name, 0, entry))
            continue
        for number in range(1, team.copies + 1):
            name = f"{team.name}-{number}" if team.copies > 1 else team.name
            found.append((name, owners[name], entry))
    return found


def _pick(found: dict[tuple[str, int], T], name: str, copy: int, what: str) -> T:
    # A shared object is copy 0: a defending copy never gets one (the checks refuse).
    item = found.get((name, copy)) or found.get((name, 0))
    if item is None:
        raise PlanError(f"access: no {what} {name!r} in copy {copy}")
    return item


def _check_space(grants: list[AccessGrant], networks: tuple[NetworkPlan, ...]) -> None:
    for grant in grants:
        mine = IPv4Network(grant.client_subnet)
        for network in networks:
            if mine.overlaps(IPv4Network(network.subnet)):
                raise PlanError(
                    f"networks.{network.network}: subnet {network.subnet} overlaps the VPN "
                    f"client subnet {grant.client_subnet} of team {grant.team} (keep range "
                    f"networks out of {VPN_SPACE})"
                )


def with_return_routes(
    containers: list[ContainerPlan], grants: tuple[AccessGrant, ...]
) -> list[ContainerPlan]:
    """Each container on a granted network routes the client subnet back via the host."""
    result = []
    for container in containers:
        attached = {i.network for i in container.interfaces}
        extra = []
        for grant in grants:
            entry = next((n for n in grant.networks if n.name in attached), None)
            if entry is not None and container.role != ROLE_CHECKER:
                extra.append(Route(destination=grant.client_subnet, via=entry.gateway))
        result.append(
            replace(container, routes=(*container.routes, *extra)) if extra else container
        )
    return result
