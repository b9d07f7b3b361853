"""Pure translation of Plan parts into Docker terms: labels, hashes, arguments, rule texts.

No I/O here, so every string the Docker backend sends to the engine (or feeds to
`ip` and `nft` on stdin) can be unit-tested. Values are re-validated with
:mod:`ipaddress` before they reach any text, because a Plan is only data.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import asdict

from range.errors import PlanError
from range.plan import (
    HOOK_FORWARD,
    HOOK_INPUT,
    LABEL_COPY,
    LABEL_HOST,
    LABEL_NETWORK,
    LABEL_PLAN_HASH,
    LABEL_RANGE,
    ContainerPlan,
    FirewallRulePlan,
    NetworkPlan,
    Route,
)

# Kernel interface names are at most 15 characters; a fixed prefix lets one host
# firewall rule cover every range bridge (see docker_hostfw).
BRIDGE_PREFIX = "crb"
NFT_TABLE = "cyberrange"
_COMMENT_SAFE = re.compile(r"[^A-Za-z0-9 ._:/>,=+-]")


def _digest(data: object) -> str:
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def network_hash(network: NetworkPlan) -> str:
    return _digest(asdict(network))


def container_hash(container: ContainerPlan, networks: dict[str, NetworkPlan]) -> str:
    """Changes when the container or any network it joins changes (both need a new one)."""
    joined = sorted(i.network for i in container.interfaces)
    return _digest(
        {
            "container": asdict(container),
            "networks": [network_hash(networks[n]) for n in joined if n in networks],
        }
    )


def bridge_name(network: NetworkPlan) -> str:
    return BRIDGE_PREFIX + hashlib.sha256(network.name.encode()).hexdigest()[:12]


def network_labels(range_name: str, network: NetworkPlan) -> dict[str, str]:
    labels = dict(network.labels)
    labels.update(
        {
            LABEL_RANGE: range_name,
            LABEL_COPY: str(network.copy),
            LABEL_NETWORK: network.network,
            LABEL_PLAN_HASH: network_hash(network),
        }
    )
    return labels


def container_labels(
    range_name: str, container: ContainerPlan, networks: dict[str, NetworkPlan]
) -> dict[str, str]:
    labels = dict(container.labels)
    labels.update(
        {
            LABEL_RANGE: range_name,
            LABEL_COPY: str(container.copy),
            LABEL_HOST: container.host,
            LABEL_PLAN_HASH: container_hash(container, networks),
        }
    )
    return labels


def network_create_args(range_name: str, network: NetworkPlan) -> list[str]:
    """Arguments after `docker` for an internal bridge with the plan's subnet and gateway."""
    subnet = ipaddress.IPv4Network(network.subnet, strict=True)
    gateway = ipaddress.IPv4Address(network.gateway)
    if gateway not in subnet:
        raise PlanError(f"network {network.name}: gateway {gateway} is outside {subnet}")
    args = ["network", "create", "--driver", "bridge"]
    if network.internal:
        args.append("--internal")
    args += ["--subnet", str(subnet), "--gateway", str(gateway)]
    args += ["--opt", f"com.docker.network.bridge.name={bridge_name(network)}"]
    for key, value in sorted(network_labels(range_name, network).items()):
        args += ["--label", f"{key}={value}"]
    args.append(network.name)
    return args


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


def route_batch(routes: tuple[Route, ...]) -> str:
    """Input for `ip -batch -`: one idempotent `route replace` per route."""
    return "".join(f"route replace {_cidr(r.destination)} via {_address(r.via)}\n" for r in routes)


def _rule_text(rule: FirewallRulePlan) -> str:
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
    comment = _COMMENT_SAFE.sub("", rule.comment)[:120]
    if comment:
        parts.append(f'comment "{comment}"')
    return " ".join(parts)


def nft_ruleset(container: ContainerPlan) -> str:
    """A whole `inet cyberrange` table, replaced atomically by `nft -f -`.

    Rules go into the chains their hooks name (forward by default), in plan
    order, after the implied acceptance of established and related packets.
    """
    policy = container.firewall_default
    if policy not in ("accept", "drop"):
        raise PlanError(f"firewall default must be accept or drop, got {policy!r}")
    lines = [
        f"table inet {NFT_TABLE}",  # create if missing, so the delete below never fails
        f"delete table inet {NFT_TABLE}",
        f"table inet {NFT_TABLE} {{",
    ]
    for hook, chain_policy in ((HOOK_INPUT, "accept"), (HOOK_FORWARD, policy)):
        lines += [
            f"  chain {hook} {{",
            f"    type filter hook {hook} priority 0; policy {chain_policy};",
            "    ct state established,related accept",
        ]
        lines += [f"    {_rule_text(rule)}" for rule in container.firewall if hook in rule.hooks]
        lines.append("  }")
    lines += ["}", ""]
    return "\n".join(lines)
