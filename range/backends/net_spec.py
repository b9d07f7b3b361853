"""Pure texts and comparisons for what runs inside a container's network namespace.

The plan's routes and a router's firewall become input for `ip -batch -` and
`nft -f -`; what a container really has (`ip -j route`, `nft -j list table`)
is compared back with the plan, so `up` makes routes exactly the plan's and
`status` names every difference (drift). No I/O here: every string that reaches
`ip` or `nft` is unit-tested, and values are re-validated with :mod:`ipaddress`
before they reach any text, because a Plan is only data.

Every firewall rule carries a comment that starts with ``cr:`` and a digest of
the rule's own text and chain: a rule changed, added, removed or reordered by
hand, or a table lost in a restart, shows as drift.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from range.errors import PlanError
from range.plan import HOOK_FORWARD, HOOK_INPUT, ContainerPlan, FirewallRulePlan, Route

NFT_TABLE = "cyberrange"
_COMMENT_SAFE = re.compile(r"[^A-Za-z0-9 ._:/>,=+-]")
_DIGEST_TAG = re.compile(r"^cr:([0-9a-f]{8})")
ESTABLISHED = "ct state established,related accept"


def _cidr(text: str) -> str:
    if text == "default":
        return text
    try:
        return str(ipaddress.IPv4Network(text, strict=False))
    except ValueError:
        raise PlanError(f"{text!r} is not an IPv4 address or subnet") from None


def _address(text: str) -> str:
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise PlanError(f"{text!r} is not an IPv4 address") from None


# ------------------------------------------------------------------ routes
def _current_routes(current: Sequence[Mapping[str, Any]]) -> list[tuple[str, str | None]]:
    """(destination, gateway) of every route that is not an interface's own link route."""
    found = []
    for route in current:
        gateway = route.get("gateway")
        if gateway is None and route.get("scope") == "link" and route.get("protocol") == "kernel":
            continue
        found.append((_cidr(str(route.get("dst", ""))), _address(gateway) if gateway else None))
    return found


def route_batch(routes: tuple[Route, ...], current: Sequence[Mapping[str, Any]] = ()) -> str:
    """Input for `ip -batch -` that turns the routes ``current`` (`ip -j route`) into the plan's.

    Routes the plan does not name (Docker's default route via the bridge
    gateway among them) are deleted; planned ones are replaced unless present.
    """
    wanted = {_cidr(r.destination): _address(r.via) for r in routes}
    have = _current_routes(current)
    lines = []
    for destination, gateway in have:
        if destination not in wanted:
            via = f" via {gateway}" if gateway else ""
            lines.append(f"route del {destination}{via}\n")
    for destination, via in wanted.items():
        if (destination, via) not in have:
            lines.append(f"route replace {destination} via {via}\n")
    return "".join(lines)


def route_drift(routes: tuple[Route, ...], current: Sequence[Mapping[str, Any]]) -> list[str]:
    """What differs between the plan's routes and the container's, in words."""
    wanted = {(_cidr(r.destination), _address(r.via)) for r in routes}
    have = set(_current_routes(current))
    problems = [f"route {d} via {v} missing" for d, v in sorted(wanted - have)]
    problems += [
        f"route {d} {'via ' + g if g else 'on link'} not in the plan"
        for d, g in sorted(have - wanted, key=str)
    ]
    return problems


def routes_json(routes: tuple[Route, ...]) -> str:
    """/etc/cr/net/routes.json for a router's init (cr-net in the base image)."""
    data = [{"destination": _cidr(r.destination), "via": _address(r.via)} for r in routes]
    return json.dumps(data, indent=1) + "\n"


# ---------------------------------------------------------------- firewall
def _rule_body(rule: FirewallRulePlan) -> str:
    if rule.action not in ("accept", "drop"):
        raise PlanError(f"firewall action must be accept or drop, got {rule.action!r}")
    if rule.protocol not in (None, "tcp", "udp"):
        raise PlanError(f"firewall protocol must be tcp or udp, got {rule.protocol!r}")
    parts: list[str] = []
    if rule.source:
        parts.append(f"ip saddr {_cidr(rule.source)}")
    if rule.destination:
        parts.append(f"ip daddr {_cidr(rule.destination)}")
    ports = ", ".join(str(int(p)) for p in rule.ports if 0 < int(p) < 65536)
    if rule.protocol and ports:
        parts.append(f"{rule.protocol} dport {{ {ports} }}")
    elif rule.protocol:
        parts.append(f"meta l4proto {rule.protocol}")
    elif ports:
        parts.append(f"meta l4proto {{ tcp, udp }} th dport {{ {ports} }}")
    parts.append(rule.action)
    return " ".join(parts)


def _digest(body: str, hook: str) -> str:
    return hashlib.sha256(f"{hook}\n{body}".encode()).hexdigest()[:8]


def _tagged(body: str, hook: str, comment: str) -> str:
    text = f"cr:{_digest(body, hook)} {_COMMENT_SAFE.sub('', comment)}".strip()[:120]
    return f'{body} comment "{text}"'


def _chain_rules(container: ContainerPlan, hook: str) -> list[tuple[str, str]]:
    """(body, comment) of every rule of one chain, in order."""
    rules = [(ESTABLISHED, "")]
    rules += [(_rule_body(r), r.comment) for r in container.firewall if hook in r.hooks]
    return rules


def _chains(container: ContainerPlan) -> list[tuple[str, str]]:
    policy = container.firewall_default
    if policy not in ("accept", "drop"):
        raise PlanError(f"firewall default must be accept or drop, got {policy!r}")
    return [(HOOK_INPUT, "accept"), (HOOK_FORWARD, policy)]


def nft_ruleset(container: ContainerPlan) -> str:
    """A whole `inet cyberrange` table, replaced atomically by `nft -f -`.

    Rules go into the chains their hooks name (forward by default), in plan
    order, after the implied acceptance of established and related packets.
    """
    lines = [
        f"table inet {NFT_TABLE}",  # create if missing, so the delete below never fails
        f"delete table inet {NFT_TABLE}",
        f"table inet {NFT_TABLE} {{",
    ]
    for hook, chain_policy in _chains(container):
        lines += [
            f"  chain {hook} {{",
            f"    type filter hook {hook} priority 0; policy {chain_policy};",
        ]
        lines += [f"    {_tagged(body, hook, c)}" for body, c in _chain_rules(container, hook)]
        lines.append("  }")
    lines += ["}", ""]
    return "\n".join(lines)


def firewall_drift(container: ContainerPlan, listing: str) -> list[str]:
    """Differences between the plan's table and `nft -j list table inet cyberrange` output."""
    if not listing.strip():
        return [f"firewall table inet {NFT_TABLE} missing"]
    items = json.loads(listing).get("nftables", [])
    chains = {i["chain"]["name"]: i["chain"] for i in items if "chain" in i}
    tags: dict[str, list[str]] = {}
    for item in items:
        if "rule" in item:
            match = _DIGEST_TAG.match(str(item["rule"].get("comment", "")))
            tags.setdefault(item["rule"]["chain"], []).append(match.group(1) if match else "?")
    problems = []
    for hook, policy in _chains(container):
        chain = chains.get(hook)
        if chain is None or chain.get("hook") != hook:
            problems.append(f"firewall chain {hook} missing")
            continue
        if chain.get("policy") != policy:
            problems.append(f"firewall chain {hook} policy {chain.get('policy')}, plan {policy}")
        wanted = [_digest(body, hook) for body, _ in _chain_rules(container, hook)]
        if tags.get(hook, []) != wanted:
            problems.append(f"firewall chain {hook} rules differ from the plan")
    extra = sorted(set(chains) - {hook for hook, _ in _chains(container)})
    problems += [f"firewall chain {name} not in the plan" for name in extra]
    return problems
