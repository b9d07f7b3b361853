"""Sandbox bookkeeping on SQLite and PostgreSQL: racing trainees never share one."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from range.errors import NotFoundError
from range.pool_state import (
    PoolError,
    SandboxState,
    claim,
    expired,
    extend,
    held_by,
    register_pool,
    sandboxes,
    set_state,
)

HOUR = timedelta(hours=1)


@pytest.fixture
def lab() -> str:
    """A pool name of its own (the PostgreSQL database is shared by the session)."""
    return f"lab-{uuid.uuid4().hex[:8]}"


def test_racing_trainees_get_distinct_sandboxes_and_the_rest_a_clear_answer(
    db: Engine, lab: str
) -> None:
    register_pool(db, lab, 5)
    won: dict[str, int] = {}
    refused: list[str] = []
    start = threading.Barrier(8)

    def trainee(name: str) -> None:
        start.wait()
        try:
            won[name] = claim(db, lab, name, HOUR, set()).number
        except PoolError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=trainee, args=(f"t{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won.values()) == [1, 2, 3, 4, 5]
    assert len(refused) == 3 and all("no free sandbox (5 allocated)" in r for r in refused)
    rows = sandboxes(db, lab)
    assert {r.holder: r.number for r in rows} == won


def test_states_free_the_holder_count_resets_and_resizing_keeps_held_sandboxes(
    db: Engine, lab: str
) -> None:
    register_pool(db, lab, 3)
    taken = claim(db, lab, "alice", HOUR, {1})
    assert taken.number == 2 and held_by(db, lab, "alice") == taken
    set_state(db, lab, 2, SandboxState.RESETTING)
    assert held_by(db, lab, "alice") is None
    fresh = set_state(db, lab, 2, SandboxState.READY)
    assert fresh.resets == 1 and fresh.holder is None
    claim(db, lab, "bob", HOUR, set())
    claim(db, lab, "carol", HOUR, set())
    claim(db, lab, "dave", HOUR, set())
    assert [r.number for r in register_pool(db, lab, 1)] == [1, 2, 3]  # all held: kept
    set_state(db, lab, 3, SandboxState.BROKEN, "a container is not running")
    assert [r.number for r in register_pool(db, lab, 2)] == [1, 2]


def test_expiry_and_extension(db: Engine, lab: str) -> None:
    register_pool(db, lab, 2)
    claim(db, lab, "alice", timedelta(seconds=-1), set())  # already over
    claim(db, lab, "bob", HOUR, set())
    assert [s.holder for s in expired(db, lab)] == ["alice"]
    extend(db, lab, "alice", HOUR)
    assert expired(db, lab) == []
    with pytest.raises(NotFoundError, match="carol holds no sandbox"):
        extend(db, lab, "carol", HOUR)
    with pytest.raises(NotFoundError, match="no pool 'nothere'"):
        claim(db, "nothere", "alice", HOUR, set())
