"""Fixtures of the exercise-succession tests: real engine, real Ansible, PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from succession_support import Cli  # type: ignore[import-not-found]

from cyberrange.tables import import_all_tables
from range.backends.docker import DockerBackend
from range.config import Settings
from range.db import create_tables, make_engine, open_engine

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A private database on the test server, dropped after the test."""
    name = f"cyberrange_x13_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The test's database; engines the in-process CLI opens are disposed with it."""
    opened: list[Engine] = []

    def tracking(settings: Settings) -> Engine:
        engine = open_engine(settings)
        opened.append(engine)
        return engine

    monkeypatch.setattr("range.db.open_engine", tracking)
    import_all_tables()
    engine = make_engine(pg_url)
    create_tables(engine)
    yield engine
    for other in [engine, *opened]:
        other.dispose()


@pytest.fixture
def run(docker_engine: None, db: Engine, tmp_path: Path) -> Cli:
    return Cli(tmp_path / "data", db.url.render_as_string(hide_password=False))


@pytest.fixture
def range_names(docker_engine: None) -> Iterator[list[str]]:
    """Ranges to remove (by label) after the test, whatever happened."""
    names: list[str] = []
    yield names
    for name in names:
        DockerBackend().destroy(name)
