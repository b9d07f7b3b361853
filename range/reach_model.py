"""The packet model behind reachability, probes and the isolation check.

It mirrors what the backend installs: hosts on one network reach each other
directly on any port; a routed packet follows the source's static routes and
every router on the way applies its forward rules in order (first match wins,
isolation drops come first) and then its default policy; a router that is
the destination applies its input-hook rules (isolation drops). The
destination must have a route back; replies are established traffic, which
routers always accept. Addresses are handled as ints for speed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import NamedTuple

from range.plan import HOOK_FORWARD, HOOK_INPUT, ContainerPlan, FirewallRulePlan, Plan

MAX_HOPS = 16
ANY = "any"  # protocol of a direct (same network) reach: every port, every protocol


class Rule(NamedTuple):
    accept: bool
    source: tuple[int, int]
    destination: tuple[int, int]
    protocol: str | None
    ports: frozenset[int]
    on_input: bool
    on_forward: bool


class Verdict(NamedTuple):
    allowed: bool
    path: tuple[str, ...]
    reason: str


class Target(NamedTuple):
    container: ContainerPlan
    network: str
    address: int
    direct: bool


_EVERYTHING = (0, 2**32 - 1)


def _span(text: str | None) -> tuple[int, int]:
    if text is None:
        return _EVERYTHING
    net = IPv4Network(text, strict=False)
    return int(net.network_address), int(net.broadcast_address)


def compile_rule(rule: FirewallRulePlan) -> Rule:
    return Rule(
        accept=rule.action == "accept",
        source=_span(rule.source),
        destination=_span(rule.destination),
        protocol=rule.protocol,
        ports=frozenset(rule.ports),
        on_input=HOOK_INPUT in rule.hooks,
        on_forward=HOOK_FORWARD in rule.hooks,
    )


def _matches(rule: Rule, src: int, dst: int, protocol: str, port: int | None) -> bool:
    if not (rule.source[0] <= src <= rule.source[1]):
        return False
    if not (rule.destination[0] <= dst <= rule.destination[1]):
        return False
    if rule.protocol is not None and rule.protocol != protocol:
        return False
    return not rule.ports or port in rule.ports


class Model:
    """A plan compiled for fast packet walks."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.containers = {c.name: c for c in plan.containers}
        spans = sorted((_span(n.subnet), n.name) for n in plan.networks)
        self._starts = [span[0] for span, _ in spans]
        self._spans = spans
        self.members: dict[str, list[tuple[ContainerPlan, int]]] = defaultdict(list)
        self.owner: dict[int, str] = {}
        self.address_on: dict[str, dict[str, int]] = {}
        for container in plan.containers:
            mine = self.address_on.setdefault(container.name, {})
            for interface in container.interfaces:
                value = int(IPv4Address(interface.address))
                mine[interface.network] = value
                self.members[interface.network].append((container, value))
                self.owner[value] = container.name
        by_subnet = {n.subnet: n.name for n in plan.networks}
        self.routes: dict[str, dict[str, int]] = {
            c.name: {
                by_subnet[r.destination]: int(IPv4Address(r.via))
                for r in c.routes
                if r.destination in by_subnet
            }
            for c in plan.containers
        }
        self.rules = {
            c.name: tuple(compile_rule(r) for r in c.firewall) for c in plan.containers if c.router
        }
        self._rule_ports = self._ports_named_by_rules()

    def network_of(self, address: int) -> str | None:
        index = bisect_right(self._starts, address) - 1
        if index < 0:
            return None
        (low, high), name = self._spans[index]
        return name if low <= address <= high else None

    def _ports_named_by_rules(self) -> dict[int, set[tuple[str, int]]]:
        """Address → (protocol, port) pairs that some accept rule names for it."""
        groups: dict[tuple[int, int], set[tuple[str, int]]] = defaultdict(set)
        for rules in self.rules.values():
            for rule in rules:
                if rule.accept and rule.ports:
                    for port in rule.ports:
                        groups[rule.destination].add((rule.protocol or "tcp", port))
        named: dict[int, set[tuple[str, int]]] = defaultdict(set)
        for (low, high), ports in groups.items():
            for (net_low, net_high), name in self._spans:
                if net_low > high or net_high < low:
                    continue
                for _, address in self.members[name]:
                    if low <= address <= high:
                        named[address] |= ports
        return named

    def candidate_ports(self, container: ContainerPlan, address: int) -> list[tuple[str, int]]:
        """Service ports of the container, then ports rules name for this address."""
        ports = [(s.protocol, s.port) for s in container.services]
        ports += sorted(p for p in self._rule_ports.get(address, ()) if p not in ports)
        return ports

    def targets(self, source: str) -> Iterator[Target]:
        """Every address on a network the source is on or has a route to."""
        attached = self.address_on[source]
        networks = [(net, True) for net in attached]
        networks += [(net, False) for net in self.routes[source] if net not in attached]
        for network, direct in networks:
            for container, address in self.members[network]:
                if container.name != source:
                    yield Target(container, network, address, direct)

    def verdict(
        self, router: str, src: int, dst: int, protocol: str, port: int | None, forward: bool
    ) -> bool:
        for rule in self.rules.get(router, ()):
            if (rule.on_forward if forward else rule.on_input) and _matches(
                rule, src, dst, protocol, port
            ):
                return rule.accept
        if forward:
            return self.containers[router].firewall_default == "accept"
        return True

    def walk(self, source: str, dst: int, protocol: str, port: int | None) -> Verdict:
        """Would a packet from ``source`` to address ``dst`` get there (and be answered)?"""
        net = self.network_of(dst)
        target = self.owner.get(dst)
        if net is None or target is None:
            return Verdict(False, (source,), "nobody holds this address")
        mine = self.address_on[source]
        if net in mine:
            return self._deliver(mine[net], dst, target, protocol, port, [source])
        via = self.routes[source].get(net)
        if via is None:
            return Verdict(False, (source,), "no route")
        via_net = self.network_of(via)
        src = mine.get(via_net) if via_net else None
        if src is None:
            return Verdict(False, (source,), f"next hop {IPv4Address(via)} is not on-link")
        return self._forward(source, src, via, dst, net, target, protocol, port)

    def _forward(
        self,
        source: str,
        src: int,
        via: int,
        dst: int,
        net: str,
        target: str,
        protocol: str,
        port: int | None,
    ) -> Verdict:
        hops = [source]
        for _ in range(MAX_HOPS):
            router = self.owner.get(via)
            if router is None or not self.containers[router].router:
                return Verdict(False, tuple(hops), f"next hop {IPv4Address(via)} is no router")
            if router == target:  # for the router itself: input hook, not forward
                return self._deliver(src, dst, target, protocol, port, hops)
            hops.append(router)
            if not self.verdict(router, src, dst, protocol, port, forward=True):
                return Verdict(False, tuple(hops), f"dropped by {router}")
            onward = self.address_on[router]
            if net in onward:
                return self._deliver(src, dst, target, protocol, port, hops)
            next_via = self.routes[router].get(net)
            if next_via is None:
                return Verdict(False, tuple(hops), f"{router} has no route onward")
            via = next_via
        return Verdict(False, tuple(hops), "routing loop")

    def _deliver(
        self,
        src: int,
        dst: int,
        target: str,
        protocol: str,
        port: int | None,
        hops: list[str],
    ) -> Verdict:
        path = (*hops, target)
        if self.containers[target].router and not self.verdict(
            target, src, dst, protocol, port, forward=False
        ):
            return Verdict(False, path, f"dropped by {target} (input)")
        back = self.network_of(src)
        on_link = back is None or back in self.address_on[target]
        if not on_link and back not in self.routes[target]:
            return Verdict(False, path, f"{target} has no route back")
        direct = self.network_of(dst) in self.address_on[hops[0]]
        return Verdict(True, path, "direct" if direct else "routed")
