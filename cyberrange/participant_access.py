"""Handing participants their way in: `cyberrange run` and `demo --keep`.

For a deployed range whose scenario grants VPN access: open (or repair) the
endpoints, then give every participant of the exercise (red and blue members)
their wg-quick config as a file readable by its owner only, under the
drill's output directory. Participants may instead download the same config
themselves from the web UI's Access page; both are the same audited action.
Browser terminals need nothing handed out: the page lists what each team
may open.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.table import Table
from sqlalchemy.engine import Engine

from range.access.config import wg_quick, write_private
from range.access.service import vpn_grants
from range.config import Settings
from range.errors import AccessError
from range.plan import Plan
from records.vpn_access import give_config, open_endpoints
from webui.useradmin import all_users


@dataclass(frozen=True)
class HandedOut:
    """Where one participant gets in."""

    user: str
    team: str
    vpn_config: Path | None  # None: the team has no VPN (or it could not open: see problems)
    access_page: str
    terminals_page: str


@dataclass(frozen=True)
class Handout:
    participants: list[HandedOut]
    problems: list[str]


def hand_out(
    settings: Settings,
    engine: Engine,
    plan: Plan,
    members: list[tuple[str, str]],
    folder: Path,
    pages: tuple[str, str],
    actor: str,
) -> Handout:
    """Open the VPN and write each member's config to ``folder``/USER.conf (0600).

    ``members`` are (user, team instance) pairs; ``pages`` the Access and
    Terminals page URLs. A VPN that cannot open (no root, no wireguard-go)
    is a problem to report, not the end of the drill: terminals still work.
    """
    problems: list[str] = []
    vpn_teams = {g.team for g in vpn_grants(plan)}
    opened = False
    if vpn_teams:
        try:
            opened = bool(open_endpoints(settings, engine, plan, actor))
        except AccessError as exc:
            problems.append(f"the VPN did not open: {exc}")
    handed = []
    for user, team in sorted(members):
        path = None
        if opened and team in vpn_teams:
            path = _write_config(settings, engine, plan, (user, team), folder, actor, problems)
        handed.append(HandedOut(user, team, path, *pages))
    return Handout(handed, problems)


def _write_config(
    settings: Settings,
    engine: Engine,
    plan: Plan,
    member: tuple[str, str],
    folder: Path,
    actor: str,
    problems: list[str],
) -> Path | None:
    user, team = member
    try:
        config = give_config(settings, engine, plan, user, team, actor)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
        path = folder / f"{user}.conf"
        write_private(path, wg_quick(config))
    except (AccessError, OSError) as exc:
        problems.append(f"no VPN config for {user}: {exc}")
        return None
    return path


def exercise_members(engine: Engine, exercise: str) -> list[tuple[str, str]]:
    """(user, team instance) of every active red and blue member of the exercise."""
    from webui.membership import members

    active = {u.username for u in all_users(engine) if u.active}
    return [(m.username, m.team) for m in members(engine, exercise) if m.username in active]


def handout_table(handed: list[HandedOut]) -> Table:
    table = Table(title="Participant access (configs are private: hand each to its owner)")
    for column in ("user", "team", "VPN config", "or download at", "browser terminals"):
        table.add_column(column, overflow="fold")
    for row in handed:
        vpn = str(row.vpn_config) if row.vpn_config else "[dim]no VPN[/]"
        table.add_row(row.user, row.team, vpn, row.access_page, row.terminals_page)
    return table
