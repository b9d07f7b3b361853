"""Scenario → Plan: pure, deterministic, no I/O ("plan, then apply").

Copies are numbered 1..N; shared networks and hosts are copy 0. Names:
networks ``{range}-c{copy}-{net}`` (shared ``{range}-{net}``), containers
``{range}-c{copy}-{host}`` (shared ``{range}-{host}``). Every copy also gets a
checker container on all of its per-copy networks (never on shared ones), at
the highest usable address of each subnet. A plan in which two copies could
reach each other is refused with a PlanError.
"""

from __future__ import annotations

import re
from dataclasses import replace
from ipaddress import IPv4Address

from range.errors import PlanError
from range.isolation import check_isolation
from range.plan import (
    CHECKER_HOST,
    CHECKER_IMAGE,
    LABEL_COPY,
    LABEL_HOST,
    LABEL_NETWORK,
    LABEL_RANGE,
    LABEL_ROLE,
    ROLE_CHECKER,
    ROLE_HOST,
    ROLE_ROUTER,
    ContainerPlan,
    Interface,
    NetworkPlan,
    Plan,
    ServicePlan,
)
from range.plan_access import access_grants, with_return_routes
from range.plan_addresses import Member, Segment, assign, check_overlaps, subnet_of
from range.plan_firewall import (
    Endpoints,
    allow_rules,
    isolation_rules,
    shared_addresses_by_copy,
)
from range.plan_routes import with_routes
from range.scenario.models import Firewall, Host, Scenario, Scope

_RANGE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
Segments = dict[tuple[str, int], Segment]
Addresses = dict[tuple[str, int], dict[tuple[int, str], IPv4Address]]


def make_plan(scenario: Scenario, range_name: str | None = None, copies: int | None = None) -> Plan:
    """The plan of ``scenario`` as range ``range_name`` (default: the scenario's name).

    Raises PlanError for a scenario that cannot be planned, or whose copies
    could reach each other.
    """
    plan = draft_plan(scenario, range_name, copies)
    check_isolation(plan)
    return plan


def draft_plan(
    scenario: Scenario, range_name: str | None = None, copies: int | None = None
) -> Plan:
    """``make_plan`` without the copy-isolation check (for diagnostics and tests)."""
    if copies is not None:
        if copies < 1:
            raise PlanError(f"copies must be at least 1, got {copies}")
        scenario = scenario.with_copies(copies)
    count = scenario.copy_count()
    name = range_name or scenario.name
    if not _RANGE_NAME.match(name):
        raise PlanError(f"range name {name!r}: use lowercase letters, digits and '-' (max 41)")
    segments = _segments(scenario, count)
    check_overlaps(segments.values())
    addresses = _addresses(scenario, segments, count)
    networks = tuple(_network_plan(name, segment) for segment in segments.values())
    containers = _containers(name, scenario, segments, addresses, count)
    containers = with_routes(containers, networks, count)
    containers = _with_firewalls(containers, scenario, networks, segments, count)
    grants = access_grants(name, scenario, networks, containers)
    return Plan(
        range=name,
        scenario=scenario.name,
        copies=count,
        networks=tuple(sorted(networks, key=lambda n: n.copy)),
        containers=tuple(with_return_routes(containers, grants)),
        access=grants,
    )


def _copies_of(scope: Scope, count: int) -> range:
    return range(0, 1) if scope is Scope.SHARED else range(1, count + 1)


def _object_name(range_name: str, copy: int, name: str) -> str:
    return f"{range_name}-{name}" if copy == 0 else f"{range_name}-c{copy}-{name}"


def _has_checker(scenario: Scenario) -> bool:
    return any(net.scope is Scope.COPY for net in scenario.networks.values())


def _segments(scenario: Scenario, count: int) -> Segments:
    checker = _has_checker(scenario)
    segments: Segments = {}
    for net_name, network in scenario.networks.items():
        for copy in _copies_of(network.scope, count):
            subnet = subnet_of(net_name, network.subnet, copy)
            segments[(net_name, copy)] = Segment(net_name, copy, subnet, checker and copy > 0)
    return segments


def _network_copy(scenario: Scenario, host_name: str, host: Host, net: str, copy: int) -> int:
    network = scenario.networks.get(net)
    if network is None:
        raise PlanError(f"hosts.{host_name}.networks.{net}: unknown network {net!r}")
    if network.scope is Scope.SHARED:
        return 0
    if host.scope is Scope.SHARED:
        raise PlanError(
            f"hosts.{host_name}.networks.{net}: a shared host cannot join the per-copy "
            f"network {net!r} (which copy's?)"
        )
    return copy


def _addresses(scenario: Scenario, segments: Segments, count: int) -> Addresses:
    members: dict[tuple[str, int], list[Member]] = {key: [] for key in segments}
    for host_name, host in scenario.hosts.items():
        for copy in _copies_of(host.scope, count):
            for net, template in host.addresses().items():
                net_copy = _network_copy(scenario, host_name, host, net, copy)
                members[(net, net_copy)].append(Member(copy, host_name, template))
    return {key: assign(segments[key], found) for key, found in members.items()}


def _network_plan(range_name: str, segment: Segment) -> NetworkPlan:
    return NetworkPlan(
        name=_object_name(range_name, segment.copy, segment.network),
        network=segment.network,
        copy=segment.copy,
        subnet=str(segment.subnet),
        gateway=str(segment.gateway),
        labels={
            LABEL_RANGE: range_name,
            LABEL_COPY: str(segment.copy),
            LABEL_NETWORK: segment.network,
        },
    )


def _labels(range_name: str, copy: int, host: str, role: str) -> dict[str, str]:
    return {LABEL_RANGE: range_name, LABEL_COPY: str(copy), LABEL_HOST: host, LABEL_ROLE: role}


def _containers(
    range_name: str, scenario: Scenario, segments: Segments, addresses: Addresses, count: int
) -> list[ContainerPlan]:
    checker = _has_checker(scenario)
    if checker and CHECKER_HOST in scenario.hosts:
        raise PlanError(f"hosts.{CHECKER_HOST}: this host name is kept for the copy's checker")
    by_copy: dict[int, list[ContainerPlan]] = {copy: [] for copy in range(count + 1)}
    for host_name, host in scenario.hosts.items():
        for copy in _copies_of(host.scope, count):
            interfaces = []
            for net in host.addresses():
                net_copy = _network_copy(scenario, host_name, host, net, copy)
                interfaces.append(
                    Interface(
                        network=_object_name(range_name, net_copy, net),
                        address=str(addresses[(net, net_copy)][(copy, host_name)]),
                    )
                )
            by_copy[copy].append(_container(range_name, host_name, host, copy, interfaces))
    if checker:
        for copy in range(1, count + 1):
            by_copy[copy].append(_checker(range_name, scenario, segments, copy))
    return [container for copy in sorted(by_copy) for container in by_copy[copy]]


def _container(
    range_name: str, host_name: str, host: Host, copy: int, interfaces: list[Interface]
) -> ContainerPlan:
    role = ROLE_ROUTER if host.router else ROLE_HOST
    firewall = host.firewall or Firewall()
    return ContainerPlan(
        name=_object_name(range_name, copy, host_name),
        host=host_name,
        copy=copy,
        image=host.image,
        hostname=host_name,
        interfaces=tuple(interfaces),
        labels=_labels(range_name, copy, host_name, role),
        capabilities=("NET_ADMIN",) if host.router else (),
        sysctls={"net.ipv4.ip_forward": "1"} if host.router else {},
        memory=host.limits.memory,
        cpus=host.limits.cpus,
        pids=host.limits.pids,
        command=tuple(host.command) if host.command is not None else None,
        router=host.router,
        firewall_default=firewall.default if host.router else "accept",
        role=role,
        services=tuple(ServicePlan(s.name, s.port.number, s.port.protocol) for s in host.services),
    )


def _checker(range_name: str, scenario: Scenario, segments: Segments, copy: int) -> ContainerPlan:
    interfaces = tuple(
        Interface(
            network=_object_name(range_name, copy, net),
            address=str(segments[(net, copy)].checker_address),
        )
        for net, network in scenario.networks.items()
        if network.scope is Scope.COPY
    )
    return ContainerPlan(
        name=_object_name(range_name, copy, CHECKER_HOST),
        host=CHECKER_HOST,
        copy=copy,
        image=CHECKER_IMAGE,
        hostname=CHECKER_HOST,
        interfaces=interfaces,
        labels=_labels(range_name, copy, CHECKER_HOST, ROLE_CHECKER),
        role=ROLE_CHECKER,
    )


def _with_firewalls(
    containers: list[ContainerPlan],
    scenario: Scenario,
    networks: tuple[NetworkPlan, ...],
    segments: Segments,
    count: int,
) -> list[ContainerPlan]:
    subnets = {key: segment.subnet for key, segment in segments.items()}
    hosts = {
        (c.host, c.copy): tuple(IPv4Address(i.address) for i in c.interfaces)
        for c in containers
        if c.role != ROLE_CHECKER
    }
    endpoints = Endpoints(subnets, hosts, count)
    shared = {network.name for network in networks if network.copy == 0}
    held = shared_addresses_by_copy(
        (c.copy, IPv4Address(i.address))
        for c in containers
        for i in c.interfaces
        if i.network in shared
    )
    result = []
    for container in containers:
        if not container.router:
            result.append(container)
            continue
        firewall = scenario.hosts[container.host].firewall or Firewall()
        rules = isolation_rules(container.copy, held)
        rules += allow_rules(container.host, container.copy, firewall, endpoints)
        result.append(replace(container, firewall=tuple(rules)))
    return result
