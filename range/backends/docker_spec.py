"""Pure translation of Plan parts into Docker terms: labels, hashes, arguments.

No I/O here, so every string the Docker backend sends to the engine can be
unit-tested (what goes to `ip` and `nft` is in net_spec). Values are re-validated with
:mod:`ipaddress` before they reach any text, because a Plan is only data.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import asdict

from range.errors import PlanError
from range.plan import (
    LABEL_COPY,
    LABEL_HOST,
    LABEL_NETWORK,
    LABEL_PLAN_HASH,
    LABEL_RANGE,
    ContainerPlan,
    NetworkPlan,
)

# Kernel interface names are at most 15 characters; a fixed prefix lets one host
# firewall rule cover every range bridge (see docker_hostfw).
BRIDGE_PREFIX = "crb"


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
