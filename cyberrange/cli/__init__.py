"""The `cyberrange` command line. Thin commands over the library packages.

This is the only place that turns CyberrangeError into a message and an exit
code; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from typing import Any

import click

from cyberrange.cli import crash
from cyberrange.cli.lazy import LazyGroup
from cyberrange.context import AppContext
from range.config import Settings
from range.errors import CyberrangeError, ScenarioError

EXIT_ERROR = 1
EXIT_USAGE = 2


class CyberrangeGroup(LazyGroup):
    """Turns library errors into one clear message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own usage errors and exits (code 2, or as asked)
        except Exception as exc:
            app = ctx.obj if isinstance(ctx.obj, AppContext) else None
            if app is not None and app.debug:
                raise
            if isinstance(exc, CyberrangeError):
                _report(exc)
                sys.exit(EXIT_ERROR)
            # Anything else is a bug: the traceback goes to a log file, not the terminal.
            path = crash.record(exc, app.settings.logs_dir if app is not None else None)
            sys.stderr.write(crash.summary(exc, path))
            sys.exit(crash.EXIT_BUG)


def _report(exc: CyberrangeError) -> None:
    if isinstance(exc, ScenarioError):
        for problem in exc.problems:
            sys.stderr.write(f"{problem}\n")
        sys.stderr.write(f"{len(exc.problems)} error(s)\n")
    else:
        sys.stderr.write(f"error: {exc}\n")


@click.group(cls=CyberrangeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short messages.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    envvar="CYBERRANGE_DATA_DIR",
    help="Where the database, logs and secrets live [default: ~/.local/share/cyberrange].",
)
@click.option(
    "--database-url",
    envvar="CYBERRANGE_DATABASE_URL",
    help="SQLAlchemy URL (e.g. postgresql+psycopg://...) instead of the SQLite file.",
)
@click.version_option(package_name="cyberrange")
@click.pass_context
def cli(ctx: click.Context, debug: bool, data_dir: str | None, database_url: str | None) -> None:
    """Cyber-range exercises: scenarios, ranges, scoring and audit records."""
    from pathlib import Path

    # The clock skips a poll while a long tick runs, by design; APScheduler would
    # log each skip as a warning on the user's terminal.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)

    base = Settings.from_env()
    settings = replace(
        base,
        data_dir=Path(data_dir) if data_dir else base.data_dir,
        database_url=database_url or base.database_url,
    )
    crash.log_to_file(settings.logs_dir)  # tracebacks of logged failures: not on the terminal
    ctx.obj = AppContext(settings=settings, debug=debug)


def main() -> None:
    cli(prog_name="cyberrange")
