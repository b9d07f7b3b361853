"""`cyberrange serve` and user administration from the command line."""

from __future__ import annotations

import click

from cyberrange.cli.user_cmds import users
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
@click.option(
    "--trusted-proxies",
    default=0,
    show_default=True,
    type=click.IntRange(0, 5),
    help="Reverse proxies in front (their X-Forwarded-For/-Proto are believed; 0: none).",
)
@click.option(
    "--limiter-storage",
    default="cyberrange-db://",
    show_default=True,
    help="Where login throttling counts: cyberrange-db:// (this database, shared by every "
    "worker), memory:// (per worker) or redis://host:6379 (across hosts).",
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
    trusted_proxies: int,
    limiter_storage: str,
) -> None:
    """Serve the web UI and JSON API under gunicorn."""
    from webui.app import ProxySettings, TerminalLimits, create_app
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
            proxy=ProxySettings(trusted_proxies, limiter_storage),
        )

    run_server(factory, host, port, workers=workers, threads=threads)
