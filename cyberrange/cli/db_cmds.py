"""`cyberrange db upgrade|current`: the database schema and its migrations."""

from __future__ import annotations

import click

from cyberrange.context import AppContext


@click.group("db")
def db_group() -> None:
    """The database schema: upgrade it to this release, show its revision."""


@db_group.command()
@click.pass_obj
def upgrade(app: AppContext) -> None:
    """Migrate the database to this release's schema (every command also does it on start)."""
    from cyberrange.schema import upgrade_database

    done = upgrade_database(app.settings)
    messages = {
        "created": f"created a new database at revision {done.after}",
        "stamped": f"tables already match this release: recorded revision {done.after}",
        "upgraded": f"upgraded from revision {done.before} to {done.after}",
        "current": f"already at revision {done.after}",
    }
    click.echo(messages[done.action])


@db_group.command()
@click.pass_obj
def current(app: AppContext) -> None:
    """The database's revision and this release's (head)."""
    from cyberrange.schema import database_revision, head

    click.echo(f"database: {database_revision(app.settings) or 'none recorded'}")
    click.echo(f"this release: {head()}")


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    cli.add_command(db_group)
