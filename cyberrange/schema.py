"""The database schema across releases: Alembic migrations, run on every start.

Every table module registers on ``SQLModel.metadata`` (``cyberrange.tables``
imports them all); the migrations in ``cyberrange/migrations/versions`` take a
database from any earlier release to the schema of these models. The first
revision, BASELINE, is the schema of the last release without migrations
(commit f3af406); later revisions add what came after.

:func:`upgrade` brings one database to the head revision, whatever it holds:

- nothing yet: ``create_all`` from the models, then stamped at head (a fresh
  database needs no replay of history);
- an ``alembic_version`` row: the missing revisions run, each in its own
  transaction (a migration that adds PostgreSQL enum values commits them
  first: a new value is usable only after its transaction commits);
- tables but no ``alembic_version`` (made by ``create_all`` before
  migrations existed): if the tables already match the models it is stamped at
  head; if they are the baseline release's tables it is stamped BASELINE and
  upgraded from there; anything else is refused (ConfigError), untouched.

Processes starting together queue on one lock (SQLite: the writers' file lock
of ``range.db``; PostgreSQL: an advisory lock), so exactly one of them
migrates and the others find the database at head.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

from cyberrange.migrations.helpers import compare_type
from cyberrange.tables import import_all_tables
from range import db as database
from range.config import Settings
from range.db import make_engine, writer_lock_path
from range.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
# The tables of release f3af406 (revision BASELINE creates exactly these).
BASELINE_TABLES = frozenset({
    "auditentry", "evidencefile", "exercise", "fact", "finding", "findinglink", "incidentreport",
    "observable", "participant", "participantteam", "range_record", "score_snapshot",
    "teamentry", "web_api_token", "web_user",
})  # fmt: skip
VERSION_TABLE = "alembic_version"
PG_LOCK_KEY = 0x6372_7363_6865_6D61  # "crschema": the advisory lock key of schema upgrades


@dataclass(frozen=True)
class Upgrade:
    """What :func:`upgrade` found and did."""

    before: str | None  # revision found (None: none recorded)
    after: str
    action: str  # created | stamped | upgraded | current


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision is None:
        raise ConfigError(f"no migrations in {MIGRATIONS_DIR}")
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: not recorded, or no database yet)."""
    with engine.connect() as conn:
        return _recorded(conn)


def _recorded(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()  # noqa: S608


def differences(conn: Connection) -> list[object]:
    """How the database's tables differ from the models (empty: they match)."""
    import_all_tables()
    context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
    return list(compare_metadata(context, SQLModel.metadata))


def upgrade(engine: Engine) -> Upgrade:
    """Bring the database to the head revision (see the module docstring)."""
    import_all_tables()
    target = head()
    with _schema_lock(engine):
        with engine.begin() as conn:
            before = _recorded(conn)
            if before == target:
                return Upgrade(before, target, "current")
            if before is None:
                action = _unversioned(conn)
                if action != "baseline":
                    return Upgrade(None, target, action)
        migrate(engine)
    return Upgrade(before or BASELINE, target, "upgraded")


def migrate(engine: Engine, revision: str = "head", *, down: bool = False) -> None:
    """Run the migrations up (or ``down``) to ``revision``.

    Alembic owns the transactions here (one per migration), so that a migration
    may commit in the middle (PostgreSQL enum values, see migrations/helpers.py).
    """
    with engine.connect() as conn:
        run = command.downgrade if down else command.upgrade
        run(alembic_config(conn), revision)
        conn.commit()


def _unversioned(conn: Connection) -> str:
    """Record the revision of a database without one: created | stamped | baseline."""
    config = alembic_config(conn)
    tables = set(inspect(conn).get_table_names()) - {VERSION_TABLE}
    if not tables:
        SQLModel.metadata.create_all(conn)
        command.stamp(config, "head")
        return "created"
    found = differences(conn)
    if not found:
        command.stamp(config, "head")
        return "stamped"
    if tables != BASELINE_TABLES:
        raise ConfigError(
            "the database has tables but no recorded revision, and they match neither "
            f"release f3af406 nor this one (first difference: {found[0]}); "
            "upgrade it with the release that made it first"
        )
    command.stamp(config, BASELINE)
    return "baseline"


def open_database(settings: Settings) -> Engine:
    """The application's engine (``range.db.open_engine``), its schema upgraded first."""
    upgrade_database(settings)
    return database.open_engine(settings)  # its create_all finds every table there


def upgrade_database(settings: Settings) -> Upgrade:
    """`cyberrange db upgrade`: bring the configured database to this release."""
    if settings.database_url is None:
        settings.ensure_data_dir()
    engine = make_engine(settings.db_url)
    try:
        return upgrade(engine)
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot upgrade the database schema: {exc}") from exc
    finally:
        engine.dispose()


def database_revision(settings: Settings) -> str | None:
    """The configured database's revision (None: none recorded)."""
    engine = make_engine(settings.db_url)
    try:
        return current(engine)
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot read the database's revision: {exc}") from exc
    finally:
        engine.dispose()


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    with ExitStack() as stack:
        lock_path = writer_lock_path(engine)
        if lock_path is not None:
            handle = stack.enter_context(Path(lock_path).open("a", encoding="utf-8"))
            fcntl.flock(handle, fcntl.LOCK_EX)
        elif engine.dialect.name == "postgresql":
            conn = stack.enter_context(engine.connect())
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
            stack.callback(_pg_unlock, conn)
        yield


def _pg_unlock(conn: Connection) -> None:
    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
    conn.commit()
