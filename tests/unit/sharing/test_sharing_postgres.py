"""The feed on PostgreSQL: concurrent publishers, pages by added time, readers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from cyberrange.tables import import_all_tables
from range.db import create_tables, make_engine
from records import audit
from records.sharing.audience import Caller
from records.sharing.feed import publish, read_page
from records.sharing.tlp import Tlp
from tests.unit.sharing.sharing_world import EXERCISE, indicator, make_sharing_exercise

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """A private database on the test server, with every table."""
    name = f"cyberrange_share_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    import_all_tables()
    engine = make_engine(make_url(postgres_url).set(database=name)
                         .render_as_string(hide_password=False))
    try:
        create_tables(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_concurrent_publishers_page_in_added_order(pg_engine: Engine) -> None:
    make_sharing_exercise(pg_engine)
    teams = ("blue-1", "blue-2", "blue-3", "isac")
    batches = [(team, [indicator(Tlp.CLEAR, value=f"203.0.113.{i}") for i in range(5)])
               for team in teams for _ in range(2)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda b: publish(pg_engine, EXERCISE, Caller(b[0], b[0]), b[1]),
                      batches))
    entries, after = [], None
    while True:
        page = read_page(pg_engine, EXERCISE, Caller("rita", "red"), added_after=after, limit=7)
        entries += page.entries
        if not page.more:
            break
        after = page.entries[-1].added
    assert len(entries) == 40 and len({e.id for e in entries}) == 40
    assert [e.added for e in entries] == sorted(e.added for e in entries)
    assert [e.id for e in entries] == sorted(e.id for e in entries)
    assert entries[0].body["type"] == "indicator"
    assert audit.verify(pg_engine, EXERCISE).ok


def test_markings_on_postgres(pg_engine: Engine) -> None:
    make_sharing_exercise(pg_engine)
    strict = indicator(Tlp.AMBER_STRICT)
    secret = indicator(Tlp.RED, recipients=["isac"])
    publish(pg_engine, EXERCISE, Caller("bob", "blue-1"), [strict, secret])
    seen = {team: {e.stix_id for e in read_page(pg_engine, EXERCISE, Caller(team, team)).entries}
            for team in ("blue-1", "blue-2", "blue-3", "isac", "red")}
    assert seen == {"blue-1": {strict["id"], secret["id"]}, "blue-2": {strict["id"]},
                    "blue-3": set(), "isac": {secret["id"]}, "red": set()}
