"""Router firewall rules in nftables terms: copy isolation first, then the allow rules.

Allow rules match networks (their subnets), hosts (their addresses, as /32
blocks) and literal addresses or CIDRs: a rule "corp -> plc only from the
engineering workstation" becomes one accept per (source block, destination
block, protocol).

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
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, summarize_address_range

from range.errors import PlanError
from range.plan import HOOK_FORWARD, HOOK_INPUT, FirewallRulePlan
from range.scenario.expand import COPY_TOKEN, expand_block
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


@dataclass(frozen=True)
class Endpoints:
    """What rule endpoints can name, for every copy.

    ``subnets``: (network, copy) → subnet; ``hosts``: (host, copy) → the
    host's addresses (copy 0 for shared hosts and networks).
    """

    subnets: Subnets
    hosts: Mapping[tuple[str, int], tuple[IPv4Address, ...]]
    copies: int

    def blocks(self, value: str, copy: int, path: str) -> list[IPv4Network]:
        """The CIDR blocks ``value`` means for a router of ``copy`` (0: shared).

        A per-copy network or host is this copy's instance; for a shared router,
        every copy's. A literal address or CIDR is itself, ``{copy}`` expanded
        the same way.
        """
        if (value, 0) in self.subnets:
            return [self.subnets[(value, 0)]]
        if (value, 0) in self.hosts:
            return _host_blocks(self.hosts[(value, 0)])
        numbers = [copy] if copy > 0 else list(range(1, self.copies + 1))
        if any((value, n) in self.subnets for n in numbers):
            return [self.subnets[(value, n)] for n in numbers]
        if any((value, n) in self.hosts for n in numbers):
            return [b for n in numbers for b in _host_blocks(self.hosts[(value, n)])]
        if COPY_TOKEN not in value:
            numbers = [copy]
        try:
            return list(dict.fromkeys(expand_block(value, n) for n in numbers))
        except ValueError as exc:
            raise PlanError(f"{path}: names no network or host, and {exc}") from None


def _host_blocks(addresses: tuple[IPv4Address, ...]) -> list[IPv4Network]:
    return [IPv4Network(address) for address in addresses]


def allow_rules(
    router: str, copy: int, firewall: Firewall, endpoints: Endpoints
) -> list[FirewallRulePlan]:
    """The scenario's allow rules for router ``router`` of copy ``copy``."""
    rules: list[FirewallRulePlan] = []
    for index, rule in enumerate(firewall.allow):
        path = f"hosts.{router}.firewall.allow.{index}"
        sources = endpoints.blocks(rule.source, copy, f"{path}.from")
        destinations = endpoints.blocks(rule.to, copy, f"{path}.to")
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
