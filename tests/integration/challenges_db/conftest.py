"""Challenge tests on SQLite and on PostgreSQL (a private database per session)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from cyberrange.tables import import_all_tables
from range.db import create_tables, make_engine


@pytest.fixture(scope="session")
def challenge_pg(postgres_url: str) -> Iterator[str]:
    name = f"cyberrange_challenges_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    import_all_tables()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'challenges.db'}"
    else:
        url = request.getfixturevalue("challenge_pg")
    engine = make_engine(url)
    create_tables(engine)
    yield engine
    engine.dispose()
