from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from range.errors import RecordError
from records import audit


def _fill(engine: Engine, count: int = 5) -> None:
    for i in range(count):
        audit.append(engine, "rec-audit", f"cli:user{i}", "test.step", {"n": i, "note": "x=1"})


def test_intact_chain_verifies(engine: Engine) -> None:
    _fill(engine)
    verdict = audit.verify(engine, "rec-audit")
    assert verdict.ok and verdict.count == 5
    assert verdict.head == audit.entries(engine, "rec-audit")[-1].hash


def test_chains_are_per_exercise(engine: Engine) -> None:
    _fill(engine, 2)
    audit.append(engine, None, "scheduler", "global.thing", {})
    assert [e.seq for e in audit.entries(engine, None)] == [1]
    assert audit.verify(engine, None).ok


def test_edited_entry_is_named(engine: Engine) -> None:
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditentry SET actor='cli:mallory' WHERE chain='rec-audit' "
                          "AND seq=3"))
    verdict = audit.verify(engine, "rec-audit")
    assert not verdict.ok and verdict.bad_seq == 3 and "edited" in verdict.reason


def test_edited_details_are_detected(engine: Engine) -> None:
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(text("""UPDATE auditentry SET details='{"n": 99, "note": "x=1"}'
                             WHERE chain='rec-audit' AND seq=2"""))
    assert audit.verify(engine, "rec-audit").bad_seq == 2


def test_deleted_entry_is_detected(engine: Engine) -> None:
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditentry WHERE chain='rec-audit' AND seq=2"))
    verdict = audit.verify(engine, "rec-audit")
    assert not verdict.ok and verdict.bad_seq == 3 and "deleted" in verdict.reason


def test_inserted_entry_is_detected(engine: Engine) -> None:
    """A forged entry with a correct hash slipped in: the next entry no longer links."""
    _fill(engine)
    rows = audit.entries(engine, "rec-audit")
    with engine.begin() as conn:
        # Make room (move later entries up by one), then insert a well-formed entry at 3.
        for row in reversed(rows[2:]):
            conn.execute(text("UPDATE auditentry SET seq=seq+1 WHERE id=:id"), {"id": row.id})
        at, details = "2026-01-01T00:00:00+00:00", {"forged": True}
        forged = audit.entry_hash(rows[1].hash, "rec-audit", 3, at, "cli:mallory", "x", details)
        conn.execute(text(
            "INSERT INTO auditentry (chain, seq, at, actor, action, details, prev_hash, hash) "
            "VALUES ('rec-audit', 3, :at, 'cli:mallory', 'x', :details, :prev, :hash)"),
            {"at": at, "details": audit.canonical(details), "prev": rows[1].hash, "hash": forged})
    verdict = audit.verify(engine, "rec-audit")
    assert not verdict.ok
    assert verdict.bad_seq == 4  # the old entry #3, renumbered, no longer matches its hash


def test_inserted_entry_without_renumbering_is_detected(engine: Engine) -> None:
    _fill(engine, 3)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO auditentry (chain, seq, at, actor, action, details, prev_hash, hash) "
            "VALUES ('rec-audit', 5, 'now', 'a', 'b', '{}', 'x', 'y')"))
    verdict = audit.verify(engine, "rec-audit")
    assert verdict.bad_seq == 5 and "deleted" in verdict.reason


def test_sink_appends(engine: Engine) -> None:
    sink = audit.make_sink(engine)
    sink("rec-audit", "scheduler", "tick", {"tick": 1})
    sink("rec-audit", "scheduler", "tick", {"tick": 2})
    assert [e.details["tick"] for e in audit.entries(engine, "rec-audit")] == [1, 2]


def test_append_needs_actor(engine: Engine) -> None:
    with pytest.raises(RecordError):
        audit.append(engine, "rec-audit", "", "x", {})


def test_concurrent_appends_keep_one_chain(engine: Engine) -> None:
    """Writers racing for the same sequence number retry; the chain stays whole."""
    from concurrent.futures import ThreadPoolExecutor

    def write(worker: int) -> None:
        for i in range(10):
            audit.append(engine, "rec-race", f"web:w{worker}", "race", {"i": i})

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    verdict = audit.verify(engine, "rec-race")
    assert verdict.ok and verdict.count == 40
