"""Alembic's environment: run on a connection and metadata handed over by cyberrange.schema.

There is no alembic.ini and no URL here: ``cyberrange.schema`` opens the
database the way the application does (``range.db.make_engine``) and passes
the connection in ``config.attributes``. The target metadata is every table
module's (``cyberrange.tables``) unless the caller passes another one (the
revision generator does, for a given source tree). SQLite gets batch mode:
its ALTER TABLE cannot change or drop columns in place.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from cyberrange.migrations.helpers import compare_type
from cyberrange.tables import import_all_tables

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through cyberrange.schema (no connection was given)")
metadata = config.attributes.get("metadata")
if metadata is None:
    import_all_tables()
    metadata = SQLModel.metadata

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=compare_type,
    transaction_per_migration=True,
    # scripts/new_migration.py adjusts what autogenerate found (server defaults).
    process_revision_directives=config.attributes.get("process_revision_directives"),
)
with context.begin_transaction():
    context.run_migrations()
