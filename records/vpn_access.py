"""VPN access as audited actions: give a participant's config, revoke it, open the endpoints.

Each function does the range-side work (``range.access.service``) and then
writes its audit entry, in the chain of the range's current exercise (the
global chain when the range has none yet). Entries name the user, the team
and the peer's public key, never a private key. Who the user is and which
team instance they play (the accounts) is the caller's: the CLI and the web
layer pass them in.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from range.access.config import ClientConfig
from range.access.service import client_config, open_vpn, revoke
from range.access.store import EndpointRecord
from range.config import Settings
from range.plan import Plan
from records import audit
from scoring.succession import range_exercise


def _chain(engine: Engine, range_name: str) -> str | None:
    exercise = range_exercise(engine, range_name)
    return exercise.name if exercise is not None else None


def give_config(
    settings: Settings,
    engine: Engine,
    plan: Plan,
    user: str,
    team: str | None,
    actor: str,
    renew: bool = False,
) -> ClientConfig:
    config = client_config(settings, plan, user, team, renew=renew)
    details = {"range": plan.range, "user": user, "team": config.team,
               "address": config.address, "renew": renew}  # fmt: skip
    audit.append(engine, _chain(engine, plan.range), actor, "access.config", details)
    return config


def revoke_access(
    settings: Settings, engine: Engine, range_name: str, user: str, actor: str
) -> None:
    peer = revoke(settings, range_name, user)
    details = {"range": range_name, "user": user, "team": peer.team, "address": peer.address}
    audit.append(engine, _chain(engine, range_name), actor, "access.revoke", details)


def open_endpoints(
    settings: Settings, engine: Engine, plan: Plan, actor: str
) -> list[EndpointRecord]:
    opened = open_vpn(settings, plan)
    details = {"range": plan.range,
               "endpoints": [{"team": e.team, "port": e.port, "interface": e.interface}
                             for e in opened]}  # fmt: skip
    audit.append(engine, _chain(engine, plan.range), actor, "access.open", details)
    return opened
