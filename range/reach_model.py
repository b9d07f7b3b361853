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
from collections.abc import Iterator, Sequence
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


def _matches_flow(rule: Rule, src: int, protocol: str, port: int | None) -> bool:
    """Everything but the destination address."""
    if not (rule.source[0] <= src <= rule.source[1]):
        return False
    if rule.protocol is not None and rule.protocol != protocol:
        return False
    return not rule.ports or port in rule.ports


def _matches(rule: Rule, src: int, dst: int, protocol: str, port: int | None) -> bool:
    low, high = rule.destination
    return low <= dst <= high and _matches_flow(rule, src, protocol, port)


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
        self.text: dict[int, str] = {}  # address → its text, as the plan wrote it
        self.address_on: dict[str, dict[str, int]] = {}
        for container in plan.containers:
            mine = self.address_on.setdefault(container.name, {})
            for interface in container.interfaces:
                value = int(IPv4Address(interface.address))
                self.text[value] = interface.address
                mine[interface.network] = value
                self.members[interface.network].append((container, value))
                self.owner[value] = container.name
        by_subnet = {n.subnet: n.name for n in plan.networks}
        value_of = {text: value for value, text in self.text.items()}
        self.routes: dict[str, dict[str, int]] = {
            c.name: {
                by_subnet[r.destination]: value_of.get(r.via) or int(IPv4Address(r.via))
                for r in c.routes
                if r.destination in by_subnet
            }
            for c in plan.containers
        }
        compiled: dict[FirewallRulePlan, Rule] = {}  # routers of all copies share rules
        for container in plan.containers:
            for rule in container.firewall:
                if rule not in compiled:
                    compiled[rule] = compile_rule(rule)
        self.rules = {
            c.name: tuple(compiled[r] for r in c.firewall) for c in plan.containers if c.router
        }
        self._rule_ports = self._ports_named_by_rules()
        self._candidates: dict[int, list[tuple[str, int]]] = {}

    def network_of(self, address: int) -> str | None:
        index = bisect_right(self._starts, address) - 1
        if index < 0:
            return None
        (low, high), name = self._spans[index]
        return name if low <= address <= high else None

    def networks_in(self, span: tuple[int, int]) -> list[str]:
        """Names of the networks whose subnets overlap the address span."""
        low, high = span
        return [
            name for (net_low, net_high), name in self._spans if net_low <= high and low <= net_high
        ]

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
            for name in self.networks_in((low, high)):
                for _, address in self.members[name]:
                    if low <= address <= high:
                        named[address] |= ports
        return named

    def candidate_ports(self, container: ContainerPlan, address: int) -> list[tuple[str, int]]:
        """Service ports of the container, then ports rules name for this address."""
        cached = self._candidates.get(address)
        if cached is None:
            cached = [(s.protocol, s.port) for s in container.services]
            cached += sorted(p for p in self._rule_ports.get(address, ()) if p not in cached)
            self._candidates[address] = cached
        return list(cached)

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
        if net is None or dst not in self.owner:
            return Verdict(False, (source,), "nobody holds this address")
        return self.walk_set(source, net, [dst], protocol, port)[dst]

    def walk_set(
        self, source: str, net: str, dsts: Sequence[int], protocol: str, port: int | None
    ) -> dict[int, Verdict]:
        """``walk`` for many addresses on one network at once (they share the route)."""
        mine = self.address_on[source]
        if net in mine:
            return {d: self._deliver(mine[net], d, protocol, port, (source,)) for d in dsts}
        via = self.routes[source].get(net)
        via_net = self.network_of(via) if via is not None else None
        src = mine.get(via_net) if via_net is not None else None
        if via is None or src is None:
            why = "no route" if via is None else f"next hop {IPv4Address(via)} is not on-link"
            return dict.fromkeys(dsts, Verdict(False, (source,), why))
        return self._forward(source, src, via, net, list(dsts), protocol, port)

    def _forward(
        self,
        source: str,
        src: int,
        via: int,
        net: str,
        pending: list[int],
        protocol: str,
        port: int | None,
    ) -> dict[int, Verdict]:
        result: dict[int, Verdict] = {}
        hops: tuple[str, ...] = (source,)
        for _ in range(MAX_HOPS):
            router = self.owner.get(via)
            if router is None or not self.containers[router].router:
                result.update(dict.fromkeys(pending, Verdict(False, hops, "next hop is no router")))
                return result
            # Packets for the router's own addresses take its input hook, not forward.
            for dst in [d for d in pending if self.owner.get(d) == router]:
                result[dst] = self._deliver(src, dst, protocol, port, hops)
                pending.remove(dst)
            hops = (*hops, router)
            pending, dropped = self._filter(router, src, pending, protocol, port)
            result.update(dict.fromkeys(dropped, Verdict(False, hops, f"dropped by {router}")))
            if net in self.address_on[router] or not pending:
                result.update({d: self._deliver(src, d, protocol, port, hops) for d in pending})
                return result
            next_via = self.routes[router].get(net)
            if next_via is None:
                why = f"{router} has no route onward"
                result.update(dict.fromkeys(pending, Verdict(False, hops, why)))
                return result
            via = next_via
        result.update(dict.fromkeys(pending, Verdict(False, hops, "routing loop")))
        return result

    def _filter(
        self, router: str, src: int, dsts: list[int], protocol: str, port: int | None
    ) -> tuple[list[int], list[int]]:
        """Forward rules of ``router`` over many destinations: (accepted, dropped)."""
        accepted: list[int] = []
        dropped: list[int] = []
        pending = dsts
        for rule in self.rules.get(router, ()):
            if not pending:
                break
            if not rule.on_forward or not _matches_flow(rule, src, protocol, port):
                continue
            low, high = rule.destination
            hit = [d for d in pending if low <= d <= high]
            if hit:
                (accepted if rule.accept else dropped).extend(hit)
                pending = [d for d in pending if not low <= d <= high]
        default_accept = self.containers[router].firewall_default == "accept"
        (accepted if default_accept else dropped).extend(pending)
        return accepted, dropped

    def _deliver(
        self, src: int, dst: int, protocol: str, port: int | None, hops: tuple[str, ...]
    ) -> Verdict:
        target = self.owner[dst]
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
