"""`cyberrange access`: the VPN of a deployed range (docs/access.md)."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from cyberrange.context import AppContext
from range.access.config import wg_quick, write_private, write_qr
from range.errors import AccessError, NotFoundError
from range.plan import Plan
from range.state import RangeRecord, RangeState, all_ranges, get_record, plan_from_dict

_range_option = click.option(
    "--range", "range_name", help="Range [default: the one up range that grants the user's team]."
)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _plan_for(app: AppContext, range_name: str | None, user: str) -> tuple[Plan, str | None]:
    """The range's plan and the team ``user`` plays in its exercise (the roster decides:
    `cyberrange users join`); without a range, the one up range where the user plays."""
    candidates = [get_record(app.engine, range_name)] if range_name is not None else [
        r for r in all_ranges(app.engine) if r.state == RangeState.UP]  # fmt: skip
    found = [(record, _team_of(app, user, record)) for record in candidates]
    playing = [(r, t) for r, t in found if t is not None and _grants(r, t)]
    if range_name is not None:
        return plan_from_dict(found[0][0].plan), found[0][1]
    if len(playing) != 1:
        names = ", ".join(r.name for r, _ in playing) or "none"
        raise AccessError(f"say which range with --range (up ranges where {user} has a VPN: "
                          f"{names})")  # fmt: skip
    record, team = playing[0]
    return plan_from_dict(record.plan), team


def _grants(record: RangeRecord, team: str | None) -> bool:
    return any(g.get("team") == team and g.get("networks") for g in record.plan.get("access", ()))


def _team_of(app: AppContext, user: str, record: RangeRecord) -> str | None:
    """The team ``user`` plays in the range's current exercise (None: not a member); a
    range without an exercise (`up --no-provision`) has no roster: the account's team."""
    from scoring.succession import range_exercise
    from webui.accounts import find_user
    from webui.membership import team_in

    account = find_user(app.engine, user)
    if account is None:
        raise NotFoundError(f"no user {user!r}: add one with `cyberrange users add`")
    exercise = range_exercise(app.engine, record.name)
    return account.team if exercise is None else team_in(app.engine, account, exercise)


@click.group()
def access() -> None:
    """Participants' VPN into a range: endpoints, configs, revocation."""


@access.command("open")
@click.argument("range_name", metavar="RANGE")
@click.pass_obj
def open_command(app: AppContext, range_name: str) -> None:
    """Start (or repair) RANGE's WireGuard endpoints, one per team instance with a VPN."""
    from records.vpn_access import open_endpoints

    deployed = get_record(app.engine, range_name)
    if deployed.state != RangeState.UP:
        raise AccessError(f"range {range_name} is {deployed.state}: bring it up first")
    plan = plan_from_dict(deployed.plan)
    opened = open_endpoints(app.settings, app.engine, plan, _actor())
    if not opened:
        app.console.print(f"range {range_name}'s scenario grants no team a VPN")
    for record in opened:
        app.console.print(
            f"team {record.team}: {record.interface} listening on UDP {record.port}",
            highlight=False,
        )


@access.command("config")
@click.argument("user")
@_range_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the config to this file (mode 0600) instead of printing it.",
)
@click.option(
    "--qr",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the config as a QR code image (PNG, mode 0600).",
)
@click.option("--renew", is_flag=True, help="Give a revoked user a new key.")
@click.pass_obj
def config_command(
    app: AppContext, user: str, range_name: str | None, output: Path | None, qr: Path | None,
    renew: bool,
) -> None:  # fmt: skip
    """Print USER's wg-quick config (the peer is created and made live on first use)."""
    from records.vpn_access import give_config

    plan, team = _plan_for(app, range_name, user)
    text = wg_quick(give_config(app.settings, app.engine, plan, user, team, _actor(), renew))
    if qr is not None:
        write_qr(qr, text)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_private(output, text)
        app.console.print(f"wrote {output}", highlight=False)


@access.command("revoke")
@click.argument("user")
@_range_option
@click.pass_obj
def revoke_command(app: AppContext, user: str, range_name: str | None) -> None:
    """Take USER's peer off the VPN at once and delete the key."""
    from records.vpn_access import revoke_access

    plan, _ = _plan_for(app, range_name, user)
    revoke_access(app.settings, app.engine, plan.range, user, _actor())
    app.console.print(f"revoked the VPN access of {user} to range {plan.range}", highlight=False)


def register(cli: click.Group) -> None:
    cli.add_command(access)
