"""Probes that prove host-restricted firewall rules both ways.

Network-level probes (one per source, destination network and port) cannot
prove a rule that grants only some addresses of a network — a host, a
literal address, a narrow CIDR: "corp -> plc:502 only from the engineering
workstation". For each accept rule whose source or destination is *narrow*
(some routed-to members of the networks it touches lie outside it), this picks:

- a granted source to a granted destination on a rule port,
- another host on the granted source's network, outside the rule's source,
  to the same destination and port (when the source is narrow),
- the granted source to another host on the destination's network, outside
  the rule's destination (when the destination is narrow).

Expectations are not set here: ``reach.probe_set`` asks the packet model, so
a second rule that also grants the other host is honoured. TCP only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from range.plan import ROLE_CHECKER, ContainerPlan
from range.reach_model import Model, Rule, Target


class RuleProbe(NamedTuple):
    source: str  # container name
    target: Target
    protocol: str
    port: int


class _Member(NamedTuple):
    container: ContainerPlan
    network: str
    address: int


def rule_probes(model: Model, other_port: Callable[[Target], int]) -> list[RuleProbe]:
    """Probes for every narrow accept rule of every router, deterministic, no duplicates."""
    found: dict[tuple[str, int, int], RuleProbe] = {}
    for router in sorted(model.rules):
        for rule in model.rules[router]:
            if rule.accept and rule.on_forward and rule.protocol in (None, "tcp"):
                for probe in _probes_for(model, rule, other_port):
                    key = (probe.source, probe.target.address, probe.port)
                    found.setdefault(key, probe)
    return list(found.values())


def _split(model: Model, span: tuple[int, int]) -> tuple[list[_Member], list[_Member]]:
    """Hosts on the networks the span touches: (inside the span, outside it).

    Routers and checkers are left out: a router's own traffic takes no forward
    hook, and checkers reach only their own copy's networks directly.
    """
    inside: list[_Member] = []
    outside: list[_Member] = []
    low, high = span
    for network in model.networks_in(span):
        for container, address in model.members[network]:
            if container.router or container.role == ROLE_CHECKER:
                continue
            member = _Member(container, network, address)
            (inside if low <= address <= high else outside).append(member)
    return sorted(inside, key=_order), sorted(outside, key=_order)


def _order(member: _Member) -> tuple[bool, str, int]:
    """Hosts with services first: probing a real service proves more."""
    return (not member.container.services, member.container.name, member.address)


def _probes_for(model: Model, rule: Rule, other_port: Callable[[Target], int]) -> list[RuleProbe]:
    sources, other_sources = _split(model, rule.source)
    destinations, other_destinations = _split(model, rule.destination)
    if not (other_sources or other_destinations) or not sources or not destinations:
        return []
    granted, to = sources[0], destinations[0]
    if to.network in model.address_on[granted.container.name]:
        return []  # same network: no router sees it, the rule proves nothing
    target = Target(to.container, to.network, to.address, direct=False)
    port = _port(rule, to.container, lambda: other_port(target))
    result = [RuleProbe(granted.container.name, target, "tcp", port)]
    for other in other_sources:
        if other.network == granted.network:
            result.append(RuleProbe(other.container.name, target, "tcp", port))
            break
    for other in other_destinations:
        if other.network == to.network:
            elsewhere = Target(other.container, other.network, other.address, direct=False)
            result.append(RuleProbe(granted.container.name, elsewhere, "tcp", port))
            break
    return result


def _port(rule: Rule, destination: ContainerPlan, fallback: Callable[[], int]) -> int:
    """A TCP port the rule allows: a service of the destination if it names one."""
    services = [s.port for s in destination.services if s.protocol == "tcp"]
    if rule.ports:
        named = [p for p in services if p in rule.ports]
        return named[0] if named else min(rule.ports)
    return services[0] if services else fallback()
