"""`cyberrange pool`: sandbox pools for trainings (docs/training.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from rich.table import Table

from cyberrange.context import AppContext
from range.errors import NotFoundError
from range.pool_state import Sandbox, aware
from range.scenario.models import parse_duration


def _ttl(_: click.Context, __: click.Parameter, value: str) -> timedelta:
    try:
        return timedelta(seconds=parse_duration(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group()
def pool() -> None:
    """Sandbox pools: N pre-built copies of a scenario, one per trainee."""


@pool.command("create")
@click.argument("name")
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--size", type=click.IntRange(1, 250), required=True, help="Number of sandboxes.")
@click.pass_obj
def create(app: AppContext, name: str, scenario: Path, size: int) -> None:
    """Deploy SCENARIO as pool NAME of SIZE sandboxes (again: repair or resize)."""
    from cyberrange.pools import create_pool

    with app.console.status(f"deploying {size} sandboxes of {scenario.name}…"):
        rows = create_pool(app.settings, app.engine, scenario, name, size)
    app.console.print(sandbox_table(name, rows))


@pool.command("status")
@click.argument("name", required=False)
@click.pass_obj
def status(app: AppContext, name: str | None) -> None:
    """Every sandbox of pool NAME (no NAME: of every pool): state, holder, expiry."""
    from range.pool_state import sandboxes

    rows = sandboxes(app.engine, name)
    if name and not rows:
        raise NotFoundError(f"no pool {name!r}: make one with `cyberrange pool create`")
    if not rows:
        app.console.print("no pools")
    for pool_name in sorted({r.pool for r in rows}):
        app.console.print(sandbox_table(pool_name, [r for r in rows if r.pool == pool_name]))


@pool.command("allocate")
@click.argument("name")
@click.argument("holder")
@click.option("--ttl", default="2h", show_default=True, callback=_ttl,
              help="How long the trainee keeps it (e.g. 90m).")  # fmt: skip
@click.pass_obj
def allocate(app: AppContext, name: str, holder: str, ttl: timedelta) -> None:
    """Give HOLDER (a trainee) a sandbox of pool NAME; the one they hold, if any."""
    from scoring.sandboxes import allocate as take

    sandbox = take(app.settings, app.engine, name, holder, ttl)
    app.console.print(f"{holder} holds sandbox {sandbox.number} of pool {name} "
                      f"(copy {sandbox.number} of range {name})", highlight=False)  # fmt: skip


@pool.command("release")
@click.argument("name")
@click.argument("holder")
@click.pass_obj
def release(app: AppContext, name: str, holder: str) -> None:
    """HOLDER is done: reset their sandbox and put it back in the pool."""
    from scoring.sandboxes import release as give_back

    with app.console.status("resetting the sandbox…"):
        sandbox = give_back(app.settings, app.engine, name, holder)
    app.console.print(f"sandbox {sandbox.number} of pool {name} is fresh again", highlight=False)


@pool.command("reclaim")
@click.argument("name")
@click.pass_obj
def reclaim(app: AppContext, name: str) -> None:
    """Reset every sandbox of pool NAME whose holder's time is up."""
    from scoring.sandboxes import reclaim as take_back

    with app.console.status("resetting expired sandboxes…"):
        done = take_back(app.settings, app.engine, name)
    app.console.print(f"{len(done)} expired sandbox(es) reset", highlight=False)


@pool.command("repair")
@click.argument("name")
@click.pass_obj
def repair(app: AppContext, name: str) -> None:
    """Bring back broken sandboxes and dead containers; held sandboxes stay with their trainee."""
    from scoring.sandboxes import repair as mend

    with app.console.status("repairing…"):
        done = mend(app.settings, app.engine, name)
    app.console.print(f"{len(done)} sandbox(es) repaired", highlight=False)


@pool.command("destroy")
@click.argument("name")
@click.pass_obj
def destroy(app: AppContext, name: str) -> None:
    """Remove pool NAME: its range and its sandboxes."""
    from cyberrange.pools import destroy_pool

    removed = destroy_pool(app.settings, app.engine, name)
    app.console.print(f"pool {name} removed ({removed} engine objects)", highlight=False)


def sandbox_table(name: str, rows: list[Sandbox]) -> Table:
    table = Table(title=f"pool {name}")
    for column in ("sandbox", "state", "holder", "expires (UTC)", "resets", "note"):
        table.add_column(column)
    for row in rows:
        expires = aware(row.expires_at)
        table.add_row(
            str(row.number),
            str(row.state),
            row.holder or "",
            expires.strftime("%H:%M:%S") if expires else "",
            str(row.resets),
            row.note,
        )
    return table


def register(cli: click.Group) -> None:
    cli.add_command(pool)
