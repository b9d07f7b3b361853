"""Router firewall rules in nftables terms: copy isolation first, then the allow rules.

Isolation: a copy's router drops every packet whose *source* is an address
that another copy's containers hold on a shared network (input and forward
hooks), and every forwarded packet whose *destination* is such an address.
Without it, copy 2's router on the shared network could reach copy 1 through
an "allow from internet" rule, and copy 1's hosts could reach copy 2's router.
Established/related replies are implied; the backend adds them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from ipaddress import IPv4Address, IPv4Network, summarize_address_range

from range.errors import PlanError
from range.plan import HOOK_FORWARD, HOOK_INPUT, FirewallRulePlan
from range.scenario.models import Firewall, FirewallRule

# (scenario network name, copy) → subnet
Subnets = Mapping[tuple[str, int], IPv4Network]


def shared_addresses_by_copy(
    holdings: Iterable[tuple[int, IPv4Address]],
) -> dict[int, list[IPv4Address]]:
    """Copy → addresses its containers hold on shared networks (copies > 0 only)."""
    result: dict[int, list[IPv4Address]] = defaultdict(list)
    for copy, address in holdings:
        if copy > 0:
            result[copy].append(address)
    return result


def isolation_rules(copy: int, held: Mapping[int, list[IPv4Address]]) -> list[FirewallRulePlan]:
    """Drops that keep other copies out of (and away from) copy ``copy``'s router."""
    if copy == 0:
        return []  # shared routers serve every copy
    others = sorted(
        int(a) for number, addresses in held.items() if number != copy for a in addresses
    )
    blocks = [str(block) for first, last in _runs(others) for block in _summarize(first, last)]
    comment = "copy isolation: other copies' addresses on shared networks"
    rules = [
        FirewallRulePlan(
            action="drop", source=block, comment=comment, hooks=(HOOK_INPUT, HOOK_FORWARD)
        )
        for block in blocks
    ]
    rules += [
        FirewallRulePlan(action="drop", destination=block, comment=comment) for block in blocks
    ]
    return rules


def _runs(values: list[int]) -> Iterator[tuple[int, int]]:
    """Consecutive runs (first, last) of sorted integers."""
    start = previous = None
    for value in values:
        if previous is not None and value == previous + 1:
            previous = value
            continue
        if start is not None and previous is not None:
            yield start, previous
        start = previous = value
    if start is not None and previous is not None:
        yield start, previous


def _summarize(first: int, last: int) -> Iterator[IPv4Network]:
    return summarize_address_range(IPv4Address(first), IPv4Address(last))


def allow_rules(
    router: str,
    copy: int,
    firewall: Firewall,
    subnets: Subnets,
    copies: int,
) -> list[FirewallRulePlan]:
    """The scenario's allow rules for router ``router`` of copy ``copy``."""
    rules: list[FirewallRulePlan] = []
    for index, rule in enumerate(firewall.allow):
        path = f"hosts.{router}.firewall.allow.{index}"
        sources = _subnets_for(rule.source, copy, subnets, copies, f"{path}.from")
        destinations = _subnets_for(rule.to, copy, subnets, copies, f"{path}.to")
        comment = f"allow {rule.source} -> {rule.to}"
        for source in sources:
            for destination in destinations:
                rules.extend(_accepts(rule, str(source), str(destination), comment))
    return rules


def _accepts(
    rule: FirewallRule, source: str, destination: str, comment: str
) -> list[FirewallRulePlan]:
    if not rule.ports:
        return [FirewallRulePlan("accept", source, destination, None, (), comment)]
    by_protocol: dict[str, list[int]] = {}
    for port in rule.ports:
        numbers = by_protocol.setdefault(port.protocol, [])
        if port.number not in numbers:
            numbers.append(port.number)
    return [
        FirewallRulePlan("accept", source, destination, protocol, tuple(numbers), comment)
        for protocol, numbers in by_protocol.items()
    ]


def _subnets_for(
    network: str, copy: int, subnets: Subnets, copies: int, path: str
) -> list[IPv4Network]:
    """The subnet(s) a rule's network means for a router of ``copy``.

    A shared network is itself; a per-copy network is this copy's instance, or
    (for a shared router) every copy's instance.
    """
    if (network, 0) in subnets:
        return [subnets[(network, 0)]]
    if copy > 0 and (network, copy) in subnets:
        return [subnets[(network, copy)]]
    if copy == 0 and (network, 1) in subnets:
        return [subnets[(network, number)] for number in range(1, copies + 1)]
    raise PlanError(f"{path}: unknown network {network!r}")
