"""Semantic checks of subnets and addresses, after expanding every ``{copy}``.

A per-copy network exists once per defending copy (1..copy_count()); its
subnet template must give a valid, distinct subnet for each. Shared networks
and shared hosts exist once and must not use ``{copy}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from range.scenario.expand import COPY_TOKEN, engine_gateway, expand_address, expand_subnet
from range.scenario.finding import Finding
from range.scenario.locate import PathItem
from range.scenario.models import Host, Scenario, Scope


@dataclass(frozen=True)
class _Subnet:
    network: str
    copy: int  # 0 for a shared network
    subnet: IPv4Network


def network_findings(scenario: Scenario) -> list[Finding]:
    found: list[Finding] = []
    subnets: dict[str, dict[int, IPv4Network]] = {}
    for name in scenario.networks:
        per_copy, problems = _expand_network(scenario, name)
        found.extend(problems)
        subnets[name] = per_copy
    found.extend(_overlaps(subnets))
    found.extend(_addresses(scenario, subnets))
    return found


def _copies(scenario: Scenario, scope: Scope) -> range:
    return range(1, scenario.copy_count() + 1) if scope is Scope.COPY else range(1, 2)


def _expand_network(scenario: Scenario, name: str) -> tuple[dict[int, IPv4Network], list[Finding]]:
    """Subnet per copy (key 0 for shared networks) and the problems found."""
    network = scenario.networks[name]
    path: tuple[PathItem, ...] = ("networks", name, "subnet")
    has_token = COPY_TOKEN in network.subnet
    if network.scope is Scope.SHARED and has_token:
        return {}, [
            Finding(path, f"shared network {name!r} exists once: its subnet cannot use {{copy}}")
        ]
    if network.scope is Scope.COPY and not has_token and scenario.copy_count() > 1:
        return {}, [
            Finding(
                path,
                f"network {name!r} has one copy per defending team copy "
                f"({scenario.copy_count()} copies), so its subnet needs {{copy}} "
                f'(e.g. "10.{{copy}}.1.0/24") or scope: shared; otherwise all copies collide',
            )
        ]
    result: dict[int, IPv4Network] = {}
    for copy in _copies(scenario, network.scope):
        try:
            subnet = expand_subnet(network.subnet, copy)
        except ValueError as exc:
            prefix = f"for copy {copy}: " if has_token else ""
            return {}, [Finding(path, f"invalid subnet {prefix}{exc}")]
        result[0 if network.scope is Scope.SHARED else copy] = subnet
    return result, []


def _overlaps(subnets: dict[str, dict[int, IPv4Network]]) -> Iterator[Finding]:
    """Report each pair of networks whose subnets overlap (for some copies) once."""
    entries = sorted(
        (_Subnet(name, copy, net) for name, per in subnets.items() for copy, net in per.items()),
        key=lambda e: (int(e.subnet.network_address), -int(e.subnet.broadcast_address)),
    )
    reported: set[tuple[str, str]] = set()
    widest: _Subnet | None = None  # the earlier entry reaching furthest
    for entry in entries:
        if widest is not None and entry.subnet.network_address <= widest.subnet.broadcast_address:
            pair = (widest.network, entry.network)
            key = (min(pair), max(pair))
            if key not in reported:
                reported.add(key)
                yield Finding(("networks", entry.network, "subnet"), _overlap_text(widest, entry))
        if widest is None or entry.subnet.broadcast_address > widest.subnet.broadcast_address:
            widest = entry


def _overlap_text(first: _Subnet, second: _Subnet) -> str:
    def label(e: _Subnet) -> str:
        return f"{e.network!r}" + (f" (copy {e.copy})" if e.copy else "")

    return (
        f"subnet {second.subnet} of network {label(second)} overlaps "
        f"{first.subnet} of network {label(first)}"
    )


def _addresses(scenario: Scenario, subnets: dict[str, dict[int, IPv4Network]]) -> Iterator[Finding]:
    used: dict[tuple[str, int, IPv4Address], str] = {}
    for host_name, host in scenario.hosts.items():
        for network, template in host.addresses().items():
            if template is None or network not in subnets or not subnets[network]:
                continue
            path: tuple[PathItem, ...] = ("hosts", host_name, "networks", network)
            finding = _address_problem(scenario, host_name, host, network, template, subnets, used)
            if finding is not None:
                yield Finding(path, finding)


def _address_problem(
    scenario: Scenario,
    host_name: str,
    host: Host,
    network: str,
    template: str,
    subnets: dict[str, dict[int, IPv4Network]],
    used: dict[tuple[str, int, IPv4Address], str],
) -> str | None:
    has_token = COPY_TOKEN in template
    if host.scope is Scope.SHARED and has_token:
        return f"shared host {host_name!r} exists once: its address cannot use {{copy}}"
    net_scope = scenario.networks[network].scope
    scope = Scope.COPY if Scope.COPY in (host.scope, net_scope) else Scope.SHARED
    for copy in _copies(scenario, scope):
        which = f" for copy {copy}" if has_token or scope is Scope.COPY else ""
        try:
            address = expand_address(template, copy)
        except ValueError as exc:
            return f"invalid address{which}: {exc}"
        subnet = subnets[network][0 if net_scope is Scope.SHARED else copy]
        reason = _bad_in_subnet(address, subnet)
        if reason is not None:
            return f"address {address}{which} {reason}"
        key = (network, 0 if net_scope is Scope.SHARED else copy, address)
        previous = used.get(key)
        if previous is not None:
            return f"address {address} on network {network!r}{which} is already used by {previous}"
        used[key] = f"host {host_name!r}" + (f" (copy {copy})" if scope is Scope.COPY else "")
    return None


def _bad_in_subnet(address: IPv4Address, subnet: IPv4Network) -> str | None:
    if address not in subnet:
        return f"is outside its network's subnet {subnet}"
    if address == subnet.network_address:
        return f"is the network address of {subnet}"
    if address == subnet.broadcast_address:
        return f"is the broadcast address of {subnet}"
    if address == engine_gateway(subnet):
        return f"is the first address of {subnet}, kept for the engine's gateway"
    return None
