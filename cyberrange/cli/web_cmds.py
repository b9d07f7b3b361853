"""`cyberrange serve` and user administration from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from cyberrange.context import AppContext


def register(cli: click.Group) -> None:
    cli.add_command(serve)
    cli.add_command(users)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Worker processes.")
@click.option(
    "--threads",
    default=16,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads per worker; half of them may hold live scoreboard streams.",
)
@click.option(
    "--insecure-cookies", is_flag=True, help="Allow session cookies over plain HTTP (labs only)."
)
@click.option(
    "--terminal-idle",
    default=900.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Seconds without a keystroke before a browser terminal is closed.",
)
@click.option(
    "--terminal-sessions",
    default=3,
    show_default=True,
    type=click.IntRange(1),
    help="Browser terminals one user may have open at once (each holds a thread).",
)
@click.pass_obj
def serve(
    app: AppContext,
    host: str,
    port: int,
    workers: int,
    threads: int,
    insecure_cookies: bool,
    terminal_idle: float,
    terminal_sessions: int,
) -> None:
    """Serve the web UI and JSON API under gunicorn."""
    from webui.app import TerminalLimits, create_app
    from webui.server import serve as run_server

    settings = app.settings
    app.engine  # noqa: B018 - create the schema once, before workers fork
    app.console.print(f"cyberrange web UI on http://{host}:{port}/  (Ctrl-C stops it)")

    def factory() -> object:
        from cyberrange.tables import import_all_tables
        from range.db import open_engine

        import_all_tables()
        return create_app(
            settings,
            open_engine(settings),
            secure_cookies=not insecure_cookies,
            live_streams=max(1, threads // 2),  # the other half answers everything else
            terminals=TerminalLimits(terminal_idle, terminal_sessions),
        )

    run_server(factory, host, port, workers=workers, threads=threads)


@click.group()
def users() -> None:
    """Web UI accounts: add users, import participants, issue API tokens."""


ROLES = click.Choice(["admin", "white", "red", "blue", "auditor"])


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=ROLES)
@click.option("--team", help="Team instance (red, blue-1...) for red and blue users.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="", help="Display name.")
@click.pass_obj
def add_user(
    app: AppContext, username: str, role: str, team: str | None, password: str, display_name: str
) -> None:
    """Create a user account."""
    from webui.accounts import create_user

    create_user(app.engine, username, password, role, team=team, display_name=display_name)
    app.console.print(f"created {role} user {username}")


@users.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_users(app: AppContext, csv_file: Path) -> None:
    """Import users from CSV with columns username,role,team,password[,name,email]."""
    from webui.participants import import_participants

    with csv_file.open(newline="", encoding="utf-8") as handle:
        report = import_participants(app.engine, csv.DictReader(handle))
    for line in report.errors:
        app.console.print(f"[red]{line}[/red]")
    app.console.print(f"imported {report.created} user(s), {len(report.errors)} error(s)")
    if report.errors:
        raise SystemExit(1)


@users.command("token")
@click.argument("username")
@click.option("--label", default="", help="What the token is for.")
@click.pass_obj
def issue_api_token(app: AppContext, username: str, label: str) -> None:
    """Issue an API token (printed once) for scripts acting as USERNAME."""
    from range.errors import NotFoundError
    from webui.accounts import find_user, issue_token

    user = find_user(app.engine, username)
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    click.echo(issue_token(app.engine, user, label))
