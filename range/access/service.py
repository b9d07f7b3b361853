"""The VPN of a deployed range: open its endpoints, give configs, revoke, close.

1. ``open_vpn``: per team instance whose grant names networks, an endpoint
   record (key pair, UDP port: the lowest free one from ``vpn_base_port``),
   its interface with exactly the non-revoked peers of its team, and its host
   rules. Idempotent: running it again repairs.
2. ``client_config``: the participant's peer (created on first use: key pair,
   the lowest free address of the team's client subnet), added to the running
   endpoint at once, and the wg-quick text.
3. ``revoke``: the peer leaves the running endpoint at once and its keys are
   deleted; a tombstone keeps it from coming back unless staff renew it.
4. ``close_vpn``: every interface of the range (by name prefix), its
   process and its host rules. The key files stay, so configs stay valid
   when the range comes up again.

Who is a participant (user → team instance) is the caller's business: the
accounts live in ``webui``, above this layer.
"""

from __future__ import annotations

import json
import socket
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv4Network

from range.access import endpoint as wg
from range.access.config import ClientConfig
from range.access.hostfw import allow_interface, forget_prefix
from range.access.keys import check_key, new_key_pair
from range.access.store import AccessStore, EndpointRecord, PeerRecord, all_endpoints
from range.config import Settings
from range.errors import AccessError
from range.plan import AccessGrant, Plan


def vpn_grants(plan: Plan) -> list[AccessGrant]:
    return [g for g in plan.access if g.networks]


def open_vpn(settings: Settings, plan: Plan) -> list[EndpointRecord]:
    """Every endpoint of the range up, with its team's peers and its host rules."""
    _check_space(plan)
    store = AccessStore(settings.access_dir, plan.range)
    opened = []
    for grant in vpn_grants(plan):
        record = _endpoint_record(settings, store, plan.range, grant)
        wg.create_interface(record.interface)
        peers = [
            wg.Peer(p.public_key, p.address)
            for p in store.peers()
            if p.team == grant.team and not p.revoked_at and _inside(p, grant)
        ]
        wg.configure(record.interface, record.private_key, record.port, _server(grant), peers)
        allow_interface(record.interface, [n.subnet for n in grant.networks])
        opened.append(record)
    return opened


def close_vpn(range_name: str) -> list[str]:
    """Remove the range's interfaces, their processes and host rules; the names removed."""
    prefix = wg.range_prefix(range_name)
    removed = wg.remove_interfaces(prefix)
    forget_prefix(prefix)
    return removed


def client_config(
    settings: Settings, plan: Plan, user: str, team: str | None, renew: bool = False
) -> ClientConfig:
    """The participant's config; the peer is created (or renewed) and made live if needed."""
    grant = _grant_of(plan, user, team)
    store = AccessStore(settings.access_dir, plan.range)
    server = _endpoint_record(settings, store, plan.range, grant)
    peer = store.peer(user)
    if peer is not None and peer.revoked_at and not renew:
        raise AccessError(
            f"the VPN access of {user} was revoked at {peer.revoked_at}: give a new key with "
            f"`cyberrange access config {user} --renew`"
        )
    if peer is not None and not peer.revoked_at and not _inside(peer, grant):
        # Moved to another team, or the team's subnet moved (scenario changed): a new key.
        revoke(settings, plan.range, user)
        peer = store.peer(user)
    if peer is None or peer.revoked_at:
        peer = _new_peer(store, grant, user)
    if server.interface in wg.interfaces(server.interface):
        wg.add_peer(server.interface, wg.Peer(peer.public_key, peer.address))
    host = settings.vpn_host or socket.getfqdn()
    return ClientConfig(
        user=user,
        team=grant.team,
        range=plan.range,
        private_key=peer.private_key,
        address=peer.address,
        server_public_key=server.public_key,
        endpoint=f"{host}:{server.port}",
        allowed=tuple(n.subnet for n in grant.networks),
    )


def revoke(settings: Settings, range_name: str, user: str) -> PeerRecord:
    """Take the peer off its running endpoint now, and delete its keys."""
    store = AccessStore(settings.access_dir, range_name)
    peer = store.peer(user)
    if peer is None or peer.revoked_at:
        raise AccessError(f"{user} has no VPN access to range {range_name} to revoke")
    server = store.endpoint(peer.team)
    if server is not None and server.interface in wg.interfaces(server.interface):
        wg.remove_peer(server.interface, peer.public_key)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    tombstone = PeerRecord(user, peer.team, peer.address, revoked_at=stamp)
    store.save_peer(tombstone)
    return tombstone


def _grant_of(plan: Plan, user: str, team: str | None) -> AccessGrant:
    if not team:
        raise AccessError(f"user {user} has no team: VPN access is per team (red, blue-1...)")
    grants = {g.team: g for g in vpn_grants(plan)}
    if team not in grants:
        raise AccessError(
            f"team {team} of {user} has no VPN access in range {plan.range} "
            f"(teams with a VPN: {', '.join(grants) or 'none: the scenario grants no vpn'})"
        )
    return grants[team]


def _inside(peer: PeerRecord, grant: AccessGrant) -> bool:
    """Whether the peer still belongs to this grant: its team, in its client subnet."""
    return peer.team == grant.team and IPv4Address(peer.address) in IPv4Network(grant.client_subnet)


def _server(grant: AccessGrant) -> str:
    subnet = IPv4Network(grant.client_subnet)
    return f"{next(subnet.hosts())}/{subnet.prefixlen}"


def _new_peer(store: AccessStore, grant: AccessGrant, user: str) -> PeerRecord:
    taken = {p.address for p in store.peers() if p.team == grant.team and p.user != user}
    # .1 is the endpoint's; the last address is verify's client (access.client).
    hosts = list(IPv4Network(grant.client_subnet).hosts())[1:-1]
    address = next((str(a) for a in hosts if str(a) not in taken), None)
    if address is None:
        raise AccessError(f"team {grant.team}'s VPN subnet {grant.client_subnet} is full")
    keys = new_key_pair()
    peer = PeerRecord(user, grant.team, address, check_key(keys.private), keys.public)
    store.save_peer(peer)
    return peer


def _endpoint_record(
    settings: Settings, store: AccessStore, range_name: str, grant: AccessGrant
) -> EndpointRecord:
    record = store.endpoint(grant.team)
    name = wg.interface_name(range_name, grant.index)
    if record is not None and record.interface != name:  # teams reordered: same key and port
        record = replace(record, interface=name)
        store.save_endpoint(record)
    if record is not None:
        return record
    keys = new_key_pair()
    record = EndpointRecord(
        team=grant.team,
        interface=name,
        port=_free_port(settings),
        private_key=keys.private,
        public_key=keys.public,
    )
    store.save_endpoint(record)
    return record


def _free_port(settings: Settings) -> int:
    """The lowest port from the base that no endpoint of ours holds and nothing has bound."""
    held = {record.port for _, record in all_endpoints(settings.access_dir)}
    for port in range(settings.vpn_base_port, 65536):
        if port in held:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("0.0.0.0", port))  # noqa: S104 - where the endpoint will listen
            except OSError:
                continue
        return port
    raise AccessError(f"no free UDP port from {settings.vpn_base_port} up for a VPN endpoint")


def _check_space(plan: Plan) -> None:
    """A client subnet routed here through anything but this range's own VPN would clash."""
    mine = [IPv4Network(g.client_subnet) for g in vpn_grants(plan)]
    prefix = wg.range_prefix(plan.range)
    out = subprocess.run(["ip", "-j", "route", "show"], capture_output=True, text=True, check=False)
    for route in json.loads(out.stdout or "[]"):
        dst, dev = route.get("dst", ""), route.get("dev", "")
        if "/" not in dst or dev.startswith(prefix):
            continue
        clash = next((m for m in mine if m.overlaps(IPv4Network(dst))), None)
        if clash is not None:
            raise AccessError(
                f"the VPN client subnet {clash} of range {plan.range} overlaps {dst}, already "
                f"routed on this host through {dev}: deploy the range under another --name"
            )
