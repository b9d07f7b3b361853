"""Expanding ``{copy}`` templates in subnets and addresses.

Shared by the semantic checks (which must reject templates that break for some
copy) and the planner (which uses the expanded values).
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network

COPY_TOKEN = "{copy}"  # noqa: S105 (a template token, not a password)


def expand(template: str, copy: int) -> str:
    return template.replace(COPY_TOKEN, str(copy))


def expand_subnet(template: str, copy: int) -> IPv4Network:
    """The subnet for one copy; raises ValueError with a readable reason."""
    text = expand(template, copy)
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid IPv4 subnet ({exc})") from None
    if not isinstance(network, IPv4Network):
        raise ValueError(f"{text!r} is not an IPv4 subnet")
    if network.prefixlen > 29:
        raise ValueError(f"{text!r} is too small: use /29 or larger")
    return network


def expand_address(template: str, copy: int) -> IPv4Address:
    text = expand(template, copy)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid IPv4 address") from None
    if not isinstance(address, IPv4Address):
        raise ValueError(f"{text!r} is not an IPv4 address")
    return address


def engine_gateway(subnet: IPv4Network) -> IPv4Address:
    """The first address of every range network is kept for the engine's bridge."""
    return subnet.network_address + 1


def expand_block(template: str, copy: int) -> IPv4Network:
    """An IPv4 address (as a /32) or CIDR for one copy; raises ValueError with a reason.

    Firewall rules match these; a CIDR with host bits set is refused rather
    than silently widened, since ``10.1.1.5/24`` usually means a typo.
    """
    text = expand(template, copy)
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid IPv4 address or CIDR ({exc})") from None
    if not isinstance(network, IPv4Network):
        raise ValueError(f"{text!r} is not an IPv4 address or CIDR")
    return network
