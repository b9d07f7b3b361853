"""Coordination on PostgreSQL: concurrent senders keep the audit chain intact,
a scenario request is opened once when two readers race, grades land once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from cyberrange.tables import import_all_tables
from range.db import create_tables, make_engine
from records import audit
from records.coordination.reading import visible_threads
from records.coordination.requests import grade_answer, open_due_requests, pending
from records.coordination.sitreps import SitrepInput, file_sitrep, grade_sitrep
from records.coordination.threads import Draft, open_thread, reply
from records.evidence import EvidenceStore
from scoring.ledger import facts
from scoring.tables import FactKind
from tests.unit.coordination.coord_world import (
    BLUE1,
    BLUE2,
    EXERCISE,
    WHITE,
    advance,
    make_coord_exercise,
    text_file,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """A private database on the test server, with every table."""
    name = f"cyberrange_coord_{uuid.uuid4().hex[:12]}"
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


def test_concurrent_coordination_on_postgres(pg_engine: Engine, tmp_path: Path) -> None:
    found = make_coord_exercise(pg_engine)
    store = EvidenceStore(tmp_path / "evidence")

    def send(index: int) -> str:
        actor = BLUE1 if index % 2 else BLUE2
        draft = Draft(f"update {index}", "status", ["white-cell"],
                      attachments=[text_file(f"log{index}.txt")])
        return open_thread(pg_engine, store, EXERCISE, actor, draft).uid

    with ThreadPoolExecutor(max_workers=4) as pool:
        uids = list(pool.map(send, range(12)))
    assert len(visible_threads(pg_engine, EXERCISE, WHITE)) == 12
    assert len(visible_threads(pg_engine, EXERCISE, BLUE1)) == 6
    reply(pg_engine, store, EXERCISE, WHITE, uids[0], "noted")

    advance(pg_engine, EXERCISE, 400)
    with ThreadPoolExecutor(max_workers=4) as pool:
        opened = list(pool.map(lambda _: open_due_requests(pg_engine, EXERCISE), range(4)))
    assert sum(opened) == 2 and len(pending(pg_engine, EXERCISE)) == 2
    request = next(p for p in pending(pg_engine, EXERCISE) if p.answer.party == "blue-1")
    reply(pg_engine, store, EXERCISE, BLUE1, request.uid, "198.51.100.10")
    grade_answer(pg_engine, EXERCISE, WHITE, request.uid, "blue-1", 10)
    sitrep = file_sitrep(pg_engine, EXERCISE, BLUE1, SitrepInput("contained"))
    grade_sitrep(pg_engine, EXERCISE, WHITE, sitrep.uid, {"accuracy": 4, "actions": 1})
    points = sorted(f.points or 0 for f in facts(pg_engine, found.id or 0,
                                                 kinds=[FactKind.INJECT_GRADE]))
    assert points == [5, 10]
    assert audit.verify(pg_engine, EXERCISE).ok
