"""The audit log: every action by every actor, append-only and hash-chained.

Each exercise has its own chain (actions outside any exercise go to a global
chain). An entry's hash covers its sequence number, time, actor, action,
details and the previous entry's hash, so editing, deleting or inserting an
entry breaks the chain at that point; :func:`verify` names the first break.
Removing entries from the *end* of a chain, appending forged ones or
rehashing the rest is not detectable from the chain alone: records.audit_seal
signs the head that exports carry, and checks a log against it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from range.db import write_transaction
from range.errors import RecordError
from records.audit_table import GLOBAL_CHAIN, AuditEntry

GENESIS = "0" * 64

# (exercise name or None, actor, action, details): what upper layers call.
AuditSink = Callable[[str | None, str, str, dict[str, Any]], None]

# (actor, action, details): one entry to append inside a caller's transaction.
AuditItem = tuple[str, str, dict[str, Any]]


def canonical(value: Any) -> str:
    """The one JSON spelling that is hashed (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, chain: str, seq: int, at: str, actor: str, action: str,
               details: dict[str, Any]) -> str:
    body = canonical([prev_hash, chain, seq, at, actor, action, details])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(engine: Engine, exercise_name: str | None, actor: str, action: str,
           details: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry to the exercise's chain (None: the global chain)."""
    chain = exercise_name or GLOBAL_CHAIN
    with write_transaction(engine) as conn:
        seq = append_many_on(conn, exercise_name, [(actor, action, details or {})])
        row = conn.execute(
            select(AuditEntry).where(AuditEntry.chain == chain, AuditEntry.seq == seq)
        ).one()
    return AuditEntry.model_validate(row._mapping)


def append_many_on(conn: Connection, exercise_name: str | None, items: list[AuditItem]) -> int:
    """Append entries in the caller's (writing) transaction; returns the last seq.

    They commit or roll back with what they record (e.g. the submissions of a
    group commit). On PostgreSQL a transaction-scoped advisory lock per chain
    makes concurrent appenders wait instead of colliding on the sequence number;
    on SQLite the write transaction already excludes every other writer.
    """
    chain = exercise_name or GLOBAL_CHAIN
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(chain.encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    head = conn.execute(
        table.select().with_only_columns(table.c.seq, table.c.hash)
        .where(table.c.chain == chain).order_by(table.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    rows = []
    for actor, action, details in items:
        if not actor or not action:
            raise RecordError("an audit entry needs an actor and an action")
        # Round-trip through JSON so what is stored is exactly what was hashed.
        clean: dict[str, Any] = json.loads(canonical(details))
        seq += 1
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        digest = entry_hash(prev, chain, seq, at, actor, action, clean)
        rows.append({"chain": chain, "seq": seq, "at": at, "actor": actor, "action": action,
                     "details": clean, "prev_hash": prev, "hash": digest})
        prev = digest
    if rows:
        conn.execute(table.insert(), rows)
    return seq


def make_sink(engine: Engine) -> AuditSink:
    """A callable lower layers can be given to record their actions."""

    def sink(exercise_name: str | None, actor: str, action: str, details: dict[str, Any]) -> None:
        append(engine, exercise_name, actor, action, details)

    return sink


def entries(engine: Engine, exercise_name: str | None) -> list[AuditEntry]:
    chain = exercise_name or GLOBAL_CHAIN
    with Session(engine) as session:
        return list(session.exec(
            select(AuditEntry).where(AuditEntry.chain == chain).order_by(col(AuditEntry.seq))
        ))


@dataclass(frozen=True)
class Verdict:
    """The result of checking a chain: ok, or the first entry that is wrong."""

    chain: str
    count: int
    ok: bool
    head: str  # hash of the last entry (GENESIS when empty)
    bad_seq: int | None = None  # sequence number of the first altered entry
    bad_id: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        name = self.chain or "(global)"
        if self.ok:
            return f"audit chain {name}: {self.count} entries, intact, head {self.head[:16]}"
        return f"audit chain {name}: entry #{self.bad_seq} (id {self.bad_id}): {self.reason}"


def verify(engine: Engine, exercise_name: str | None) -> Verdict:
    """Check the chain; name the first entry that was altered, removed or inserted."""
    rows = entries(engine, exercise_name)
    chain = exercise_name or GLOBAL_CHAIN
    prev, expected_seq = GENESIS, 1
    for row in rows:
        problem = check_entry(row, prev, expected_seq)
        if problem:
            return Verdict(chain, len(rows), False, prev, row.seq, row.id, problem)
        prev, expected_seq = row.hash, row.seq + 1
    return Verdict(chain, len(rows), True, prev)


def check_entry(row: AuditEntry, prev: str, expected_seq: int) -> str:
    """What is wrong with one entry given the one before it ("" when nothing)."""
    if row.seq != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {row.seq}: an entry was deleted"
    recomputed = entry_hash(row.prev_hash, row.chain, row.seq, row.at, row.actor, row.action,
                            row.details)
    if recomputed != row.hash:
        return "contents do not match its hash: the entry was edited"
    if row.prev_hash != prev:
        return "does not link to the entry before it: an entry was inserted, deleted or rewritten"
    return ""
