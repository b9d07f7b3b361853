"""`cyberrange users`: accounts, exercise membership, passwords and API tokens.

Each verb calls one action of webui.credentials / webui.membership, which
writes the change and its audit entry (actor ``cli:<login>``)."""

from __future__ import annotations

import csv
import getpass
import io
from pathlib import Path

import click

from cyberrange.context import AppContext
from range.errors import RecordError

ROLES = click.Choice(["admin", "white", "red", "blue", "isac", "auditor"])


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@click.group()
def users() -> None:
    """Web UI accounts: add users, import participants, issue API tokens."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=ROLES)
@click.option("--team", help="Default team (red, blue-1...) of a red or blue user.")
@click.option("--exercise", help="Join this exercise now, in --team.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="", help="Display name.")
@click.pass_obj
def add_user(
    app: AppContext,
    username: str,
    role: str,
    team: str | None,
    exercise: str | None,
    password: str,
    display_name: str,
) -> None:
    """Create a user account (and, with --exercise, its membership)."""
    from records.audit import append
    from webui.accounts import create_user
    from webui.membership import join

    create_user(app.engine, username, password, role, team=team, display_name=display_name)
    append(
        app.engine,
        None,
        _actor(),
        "user.create",
        {"username": username, "role": role, "via": "cli"},
    )
    app.console.print(f"created {role} user {username}")
    if exercise:
        member = join(app.engine, username, exercise, team, actor=_actor())
        app.console.print(f"{username} plays {member.team} in {member.exercise}")


@users.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_users(app: AppContext, csv_file: Path) -> None:
    """Import users from CSV: username,role,team,password[,name,email,exercise].
    With `exercise`, the user joins it in `team` (an existing user only joins)."""
    from webui.participants import import_participants

    try:
        text = csv_file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(f"{csv_file}: not UTF-8 text (byte {exc.start}: {exc.reason}); "
                          "save the CSV as UTF-8") from None
    except OSError as exc:
        raise RecordError(f"cannot read {csv_file}: {exc.strerror or exc}") from None
    report = import_participants(app.engine, csv.DictReader(io.StringIO(text, newline="")))
    for line in report.errors:
        app.console.print(f"[red]{line}[/red]")
    app.console.print(
        f"imported {report.created} user(s), {report.joined} membership(s) of "
        f"existing users, {len(report.errors)} error(s)"
    )
    if report.errors:
        raise SystemExit(1)


@users.command("join")
@click.argument("username")
@click.argument("exercise")
@click.option("--team", help="Team in the exercise (default: the user's default team).")
@click.pass_obj
def join_exercise(app: AppContext, username: str, exercise: str, team: str | None) -> None:
    """Make USERNAME a member of EXERCISE (a member already there changes team)."""
    from webui.membership import join

    member = join(app.engine, username, exercise, team, actor=_actor())
    app.console.print(f"{member.username} plays {member.team} in {member.exercise}")


@users.command("members")
@click.argument("exercise", required=False)
@click.pass_obj
def list_members(app: AppContext, exercise: str | None) -> None:
    """List memberships (of one EXERCISE, or of all)."""
    from webui.membership import members

    for m in members(app.engine, exercise):
        click.echo(f"{m.exercise}\t{m.team}\t{m.role}\t{m.username}")


@users.command("passwd")
@click.argument("username")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True)
@click.pass_obj
def reset_password(app: AppContext, username: str, password: str) -> None:
    """Set a new password for USERNAME (its sessions end at once)."""
    from webui.credentials import reset_password as reset

    reset(app.engine, _actor(), username, password, via="cli")
    app.console.print(f"password of {username} reset; its sessions have ended")


@users.command("deactivate")
@click.argument("username")
@click.pass_obj
def deactivate(app: AppContext, username: str) -> None:
    """Deactivate USERNAME: its sessions end and its tokens stop working at once."""
    from webui.credentials import set_active

    set_active(app.engine, _actor(), username, False, via="cli")
    app.console.print(f"{username} deactivated")


@users.command("activate")
@click.argument("username")
@click.pass_obj
def activate(app: AppContext, username: str) -> None:
    """Activate USERNAME again."""
    from webui.credentials import set_active

    set_active(app.engine, _actor(), username, True, via="cli")
    app.console.print(f"{username} activated")


@users.command("token")
@click.argument("username")
@click.option("--label", default="", help="What the token is for.")
@click.option(
    "--days",
    default=90.0,
    show_default=True,
    type=click.FloatRange(0, 366, min_open=True),
    help="Days until the token expires.",
)
@click.pass_obj
def issue_api_token(app: AppContext, username: str, label: str, days: float) -> None:
    """Issue an API token (printed once) for scripts acting as USERNAME."""
    from webui.credentials import issue

    token, _info = issue(app.engine, _actor(), username, label, days, via="cli")
    click.echo(token)


@users.command("tokens")
@click.argument("username", required=False)
@click.pass_obj
def list_tokens(app: AppContext, username: str | None) -> None:
    """List the API tokens of USERNAME (or of everyone): id, state, expiry, label."""
    from webui.credentials import tokens_of

    for t in tokens_of(app.engine, username):
        state = "revoked" if t.revoked_at else "live" if t.live else "expired"
        expires = t.expires_at.isoformat(timespec="minutes") if t.expires_at else "never"
        click.echo(f"{t.id}\t{t.username}\t{state}\t{expires}\t{t.label}")


@users.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**63 - 1))
@click.pass_obj
def revoke_token(app: AppContext, token_id: int) -> None:
    """Revoke the API token TOKEN_ID at once."""
    from webui.credentials import revoke

    info = revoke(app.engine, _actor(), token_id, via="cli")
    app.console.print(f"token {info.id} of {info.username} revoked")
