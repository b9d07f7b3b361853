"""Subnets and addresses of a plan: expanding templates and assigning omitted addresses.

Pure functions over integers (IPv4 addresses as ``int``) so that planning a
thousand containers stays fast. Every problem is a PlanError naming the
scenario path (e.g. ``hosts.web.networks.dmz``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from itertools import pairwise

from range.errors import PlanError
from range.scenario.expand import engine_gateway, expand_address, expand_subnet


@dataclass(frozen=True)
class Member:
    """One container's wish for an address on one network instance."""

    copy: int
    host: str
    template: str | None  # declared address template, None: assign one


@dataclass(frozen=True)
class Segment:
    """One network instance (a network of one copy, or a shared network)."""

    network: str  # scenario network name
    copy: int
    subnet: IPv4Network
    reserved_top: bool  # the highest usable address is kept for the copy's checker

    @property
    def gateway(self) -> IPv4Address:
        return engine_gateway(self.subnet)

    @property
    def checker_address(self) -> IPv4Address:
        return self.subnet.broadcast_address - 1


def subnet_of(network: str, template: str, copy: int) -> IPv4Network:
    try:
        return expand_subnet(template, copy)
    except ValueError as exc:
        raise PlanError(f"networks.{network}.subnet: {exc}") from None


def check_overlaps(segments: Iterable[Segment]) -> None:
    """Two network instances (of any copies) must never share addresses."""
    ordered = sorted(segments, key=lambda s: (int(s.subnet.network_address), s.copy, s.network))
    for before, after in pairwise(ordered):
        if before.subnet.overlaps(after.subnet):
            raise PlanError(
                f"networks.{after.network}.subnet: {after.subnet} (copy {after.copy}) overlaps "
                f"{before.subnet} of network {before.network!r} (copy {before.copy}); "
                'per-copy subnets need "{copy}" in them'
            )


def assign(segment: Segment, members: list[Member]) -> dict[tuple[int, str], IPv4Address]:
    """(copy, host) → address on this segment.

    Declared addresses are taken as written; the others get the lowest free
    address after the engine's gateway, in (copy, host name) order.
    """
    net = segment.subnet
    low, high = int(net.network_address), int(net.broadcast_address)
    reserved = {low, high, int(segment.gateway)}
    if segment.reserved_top:
        reserved.add(int(segment.checker_address))
    taken: dict[int, Member] = {}
    result: dict[tuple[int, str], IPv4Address] = {}
    for member in members:
        if member.template is None:
            continue
        address = _declared(segment, member)
        value = int(address)
        if value in reserved:
            raise PlanError(f"{_where(segment, member)}: {address} is {_why(segment, value)}")
        if value in taken:
            other = taken[value]
            raise PlanError(
                f"{_where(segment, member)}: {address} is already taken by host "
                f"{other.host!r} (copy {other.copy})"
            )
        taken[value] = member
        result[(member.copy, member.host)] = address
    candidate = int(segment.gateway) + 1
    for member in sorted(members, key=lambda m: (m.copy, m.host)):
        if member.template is not None:
            continue
        while candidate in taken or candidate in reserved:
            candidate += 1
        if candidate >= high:
            raise PlanError(f"{_where(segment, member)}: no free address left in {net}")
        taken[candidate] = member
        result[(member.copy, member.host)] = IPv4Address(candidate)
    return result


def _declared(segment: Segment, member: Member) -> IPv4Address:
    assert member.template is not None
    try:
        address = expand_address(member.template, member.copy)
    except ValueError as exc:
        raise PlanError(f"{_where(segment, member)}: {exc}") from None
    if address not in segment.subnet:
        raise PlanError(
            f"{_where(segment, member)}: {address} is outside the subnet {segment.subnet}"
        )
    return address


def _where(segment: Segment, member: Member) -> str:
    copy = f" (copy {member.copy})" if member.copy else ""
    return f"hosts.{member.host}.networks.{segment.network}{copy}"


def _why(segment: Segment, value: int) -> str:
    net = segment.subnet
    if value == int(net.network_address):
        return "the network address"
    if value == int(net.broadcast_address):
        return "the broadcast address"
    if value == int(segment.gateway):
        return "kept for the engine's gateway"
    return "the highest usable address, kept for the copy's checker container"
