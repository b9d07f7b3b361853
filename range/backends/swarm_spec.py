"""Pure translation of Plan networks into swarm overlay networks.

Containers, labels, hashes, routes and firewall rule texts are the Docker
backend's (range.backends.docker_spec): a swarm range differs only in where
its networks live (the swarm, as overlays) and on which node each container runs.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable

from range.backends.docker_spec import network_hash, network_labels
from range.errors import PlanError
from range.plan import LABEL_PLAN_HASH, NetworkPlan, Plan

LABEL_BACKEND = "cyberrange.backend"
BACKEND_NAME = "swarm"
LARGEST_NODE_BLOCK = 27  # at most 32 addresses are set aside for node endpoints
SMALLEST_NODE_BLOCK = 31


def taken_addresses(plan: Plan) -> dict[str, set[str]]:
    """Network name → every address the plan gives a container on it."""
    taken: dict[str, set[str]] = {n.name: set() for n in plan.networks}
    for container in plan.containers:
        for interface in container.interfaces:
            taken.setdefault(interface.network, set()).add(interface.address)
    return taken


def node_range(network: NetworkPlan, taken: Iterable[str]) -> str:
    """An ``--ip-range`` of addresses the plan leaves free, for the swarm's own endpoints.

    Every node that joins an overlay gets a load-balancer endpoint whose
    address the swarm takes from the network's pool, the lowest free one by
    default: the address a router usually has. With an ip-range, the swarm
    takes them from there instead, while containers keep any fixed address of
    the subnet. The highest free aligned block is chosen (the planner fills
    subnets from the bottom).
    """
    subnet = ipaddress.IPv4Network(network.subnet, strict=True)
    used = {int(ipaddress.IPv4Address(a)) for a in taken}
    used |= {
        int(subnet.network_address),
        int(subnet.broadcast_address),
        int(ipaddress.IPv4Address(network.gateway)),
    }
    for prefix in range(max(subnet.prefixlen + 1, LARGEST_NODE_BLOCK), SMALLEST_NODE_BLOCK + 1):
        for block in reversed(list(subnet.subnets(new_prefix=prefix))):
            low, high = int(block.network_address), int(block.broadcast_address)
            if not any(low <= address <= high for address in used):
                return str(block)
    raise PlanError(
        f"network {network.name}: {subnet} has no two free neighbouring addresses; the swarm "
        "backend needs a few for the nodes' own endpoints: give the network a bigger subnet"
    )


def overlay_hash(network: NetworkPlan, ip_range: str) -> str:
    text = f"{network_hash(network)} {ip_range}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def overlay_labels(range_name: str, network: NetworkPlan, ip_range: str) -> dict[str, str]:
    labels = network_labels(range_name, network)
    labels[LABEL_BACKEND] = BACKEND_NAME
    labels[LABEL_PLAN_HASH] = overlay_hash(network, ip_range)
    return labels


def overlay_create_args(range_name: str, network: NetworkPlan, ip_range: str) -> list[str]:
    """Arguments after `docker` (on a manager) for an attachable overlay with the plan's subnet.

    Attachable, because plain containers (not services) join it with fixed
    addresses; internal where the plan says so, so no node bridge is attached.
    """
    subnet = ipaddress.IPv4Network(network.subnet, strict=True)
    gateway = ipaddress.IPv4Address(network.gateway)
    if gateway not in subnet:
        raise PlanError(f"network {network.name}: gateway {gateway} is outside {subnet}")
    args = ["network", "create", "--driver", "overlay", "--attachable", "--scope", "swarm"]
    if network.internal:
        args.append("--internal")
    block = ipaddress.IPv4Network(ip_range, strict=True)
    if not block.subnet_of(subnet):
        raise PlanError(f"network {network.name}: ip range {block} is outside {subnet}")
    args += ["--subnet", str(subnet), "--gateway", str(gateway), "--ip-range", str(block)]
    for key, value in sorted(overlay_labels(range_name, network, ip_range).items()):
        args += ["--label", f"{key}={value}"]
    args.append(network.name)
    return args
