"""Schema migrations: fresh databases, the previous release's database, and the head.

The previous release is commit f3af406, the last without migrations: its
source is taken from git (``git archive``) and run in a subprocess to make a
database with its own ``create_all`` and its own audit code. The upgraded
database must keep its audit chain verifiable and must match today's models.
Each test runs on SQLite and, marked ``postgres``, on a private database of the
test server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, make_url, text

from cyberrange.cli import cli
from cyberrange.schema import BASELINE, BASELINE_TABLES, differences, head, migrate, upgrade
from cyberrange.tables import import_all_tables
from range.config import CHECKOUT_DIR
from range.db import create_tables, make_engine
from range.errors import ConfigError
from records import audit

PREVIOUS_RELEASE = "f3af406"
HERE = Path(__file__).resolve().parent


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a private database on the test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cyberrange.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    name = f"cyberrange_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The previous release's packages, extracted from git."""
    tree = tmp_path_factory.mktemp("previous-release")
    archive = subprocess.run(
        ["git", "-C", str(CHECKOUT_DIR), "archive", PREVIOUS_RELEASE,
         "range", "scoring", "records", "webui", "cyberrange"],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def test_migrations_from_nothing_reach_the_models(database_url: str) -> None:
    """The head test: a model change without its migration fails here. And back down."""
    import_all_tables()
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            assert differences(conn) == []
        migrate(engine, "base", down=True)
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == ["alembic_version"]
            if conn.dialect.name == "postgresql":
                enums = conn.execute(text("SELECT typname FROM pg_type WHERE typtype = 'e'"))
                assert enums.all() == []
    finally:
        engine.dispose()


@pytest.mark.slow
def test_previous_release_database_upgrades_and_keeps_its_audit_chain(
    database_url: str, previous_release: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(previous_release)}
    filled = subprocess.run(
        [sys.executable, str(HERE / "prev_release_fill.py"), database_url],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert filled.returncode == 0, filled.stderr
    assert filled.stdout.strip().startswith(str(previous_release)), filled.stdout  # old code ran

    import_all_tables()
    engine = make_engine(database_url)
    try:
        done = upgrade(engine)
        assert (done.before, done.after, done.action) == (BASELINE, head(), "upgraded")
        with engine.connect() as conn:
            assert differences(conn) == []
        before = audit.verify(engine, "old-drill")
        assert before.ok and before.count == 5, before
        assert audit.verify(engine, None).ok
        audit.append(engine, "old-drill", "trainer", "exercise.stop", {"after": "upgrade"})
        after = audit.verify(engine, "old-drill")
        assert after.ok and after.count == 6, after
        assert upgrade(engine).action == "current"
    finally:
        engine.dispose()


def test_fresh_and_create_all_databases_are_recorded_at_head(tmp_path: Path) -> None:
    import_all_tables()
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    made = make_engine(f"sqlite:///{tmp_path / 'made.db'}")
    try:
        assert upgrade(fresh).action == "created"
        assert upgrade(fresh).action == "current"
        create_tables(made)  # as the test fixtures and earlier builds do
        assert upgrade(made).action == "stamped"
        with fresh.connect() as a, made.connect() as b:
            assert differences(a) == differences(b) == []
    finally:
        fresh.dispose()
        made.dispose()


def test_baseline_makes_the_previous_release_tables_and_strangers_are_refused(
    tmp_path: Path,
) -> None:
    import_all_tables()
    engine = make_engine(f"sqlite:///{tmp_path / 'baseline.db'}")
    try:
        migrate(engine, BASELINE)
        with engine.begin() as conn:
            assert set(inspect(conn).get_table_names()) - {"alembic_version"} == BASELINE_TABLES
            conn.execute(text("DROP TABLE alembic_version"))
            conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
        with pytest.raises(ConfigError, match="match neither release f3af406 nor this one"):
            upgrade(engine)
        with engine.connect() as conn:  # refused, untouched
            assert not inspect(conn).has_table("alembic_version")
    finally:
        engine.dispose()


def test_db_commands(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    runner = CliRunner()
    first = runner.invoke(cli, [*data, "db", "current"])
    assert first.exit_code == 1 and "cannot read" in first.output, first.output
    created = runner.invoke(cli, [*data, "db", "upgrade"])
    assert created.exit_code == 0, created.output
    assert created.output.strip() == f"created a new database at revision {head()}"
    again = runner.invoke(cli, [*data, "db", "upgrade"])
    assert again.output.strip() == f"already at revision {head()}"
    shown = runner.invoke(cli, [*data, "db", "current"])
    assert shown.output.splitlines() == [f"database: {head()}", f"this release: {head()}"]
