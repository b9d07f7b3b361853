"""A participant's own VPN config, for the Access page and the API.

Only the participant downloads their config: it is the one place their
private key leaves the server (docs/access.md). Each download is audited
(``access.config``, actor ``web:<login>``) like `cyberrange access config`.
Staff see the endpoints and who holds a peer, never a key.
"""

from __future__ import annotations

import io
import socket
from dataclasses import dataclass

import segno

from range.access.config import ClientConfig, wg_quick
from range.access.service import vpn_grants
from range.access.store import AccessStore
from range.errors import AccessError
from range.plan import AccessGrant, Plan
from range.state import get_record, plan_from_dict
from records.vpn_access import give_config
from scoring.tables import Exercise
from webui.app import web_context
from webui.errors import ApiError


@dataclass(frozen=True)
class EndpointView:
    """What a page shows of one team instance's VPN: no key."""

    team: str
    endpoint: str  # HOST:PORT, or "" until `access open` ran
    networks: tuple[tuple[str, str], ...]  # (network, subnet)
    client_subnet: str
    peers: tuple[tuple[str, str, str], ...]  # (user, address, revoked_at)


def range_plan(found: Exercise) -> Plan:
    """The plan of the exercise's deployed range (404 while it has none)."""
    record = get_record(web_context().engine, found.range_name)
    if not record.plan:
        raise ApiError(404, "no_range", f"range {found.range_name!r} is not deployed", "name")
    return plan_from_dict(record.plan)


def endpoints(plan: Plan, teams: set[str] | None) -> list[EndpointView]:
    """The VPN of each team instance (``teams``: only these; None: all)."""
    settings = web_context().settings
    store = AccessStore(settings.access_dir, plan.range)
    host = settings.vpn_host or socket.getfqdn()
    views = []
    for grant in vpn_grants(plan):
        if teams is not None and grant.team not in teams:
            continue
        record = store.endpoint(grant.team)
        views.append(EndpointView(
            team=grant.team,
            endpoint=f"{host}:{record.port}" if record is not None else "",
            networks=tuple((n.network, n.subnet) for n in grant.networks),
            client_subnet=grant.client_subnet,
            peers=tuple((p.user, p.address, p.revoked_at)
                        for p in store.peers() if p.team == grant.team),
        ))  # fmt: skip
    return views


def own_config(found: Exercise, username: str, team: str) -> ClientConfig:
    """The caller's config for their team's VPN; created and made live on first use."""
    plan = range_plan(found)
    grant = _grant(plan, team)
    settings, engine = web_context().settings, web_context().engine
    if AccessStore(settings.access_dir, plan.range).endpoint(grant.team) is None:
        raise ApiError(409, "vpn_not_open", f"the VPN of range {plan.range} is not open yet: "
                       "staff start it with `cyberrange access open`", "name")
    try:
        return give_config(settings, engine, plan, username, team, f"web:{username}")
    except AccessError as exc:
        raise ApiError(403, "vpn_refused", str(exc), "name") from exc


def config_text(config: ClientConfig) -> str:
    return wg_quick(config)


def config_qr(config: ClientConfig) -> bytes:
    """The config as a PNG QR code (WireGuard's mobile apps scan it)."""
    out = io.BytesIO()
    segno.make(wg_quick(config), error="l", micro=False).save(out, kind="png", scale=4)
    return out.getvalue()


def _grant(plan: Plan, team: str) -> AccessGrant:
    for grant in vpn_grants(plan):
        if grant.team == team:
            return grant
    raise ApiError(404, "no_vpn", f"team {team} has no VPN in range {plan.range}", "name")
