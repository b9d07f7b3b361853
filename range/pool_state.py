"""Sandbox pools: which copy of a pool's range each trainee holds.

A pool is a range deployed with N copies (`cyberrange pool create`); copy i
is sandbox i. This module keeps one row per sandbox and hands them out:
allocation is a conditional UPDATE (``WHERE state = 'ready'``), so two
trainees racing for the last sandbox never get the same one, on SQLite and
PostgreSQL alike. Containers are the caller's business (cyberrange.pools).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import UniqueConstraint, update
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import Field, Session, SQLModel, col, select

from range.db import session_scope
from range.errors import CyberrangeError, NotFoundError


class PoolError(CyberrangeError):
    """A pool cannot do what was asked (full, unknown holder...)."""


class SandboxState(StrEnum):
    READY = "ready"  # fresh, free
    ALLOCATED = "allocated"  # a trainee holds it
    RESETTING = "resetting"  # being made fresh again
    BROKEN = "broken"  # a container is gone or a reset failed: `pool repair`


class Sandbox(SQLModel, table=True):
    __tablename__ = "pool_sandbox"
    __table_args__ = (UniqueConstraint("pool", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    pool: str = Field(index=True, max_length=64)  # the range's name
    number: int  # the range's copy this sandbox is
    state: SandboxState = SandboxState.READY
    holder: str | None = Field(default=None, max_length=64)
    allocated_at: datetime | None = None
    expires_at: datetime | None = None
    resets: int = 0
    note: str = ""  # why it is broken


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def register_pool(engine: Engine, pool: str, size: int) -> list[Sandbox]:
    """One row per copy 1..size; rows of a smaller earlier size are kept, extra ones dropped
    when free (a pool resized down keeps what trainees hold)."""
    with session_scope(engine) as session:
        rows = {s.number: s for s in session.exec(select(Sandbox).where(Sandbox.pool == pool))}
        for copy in range(1, size + 1):
            if copy not in rows:
                session.add(Sandbox(pool=pool, number=copy))
        for copy, row in rows.items():
            if copy > size and row.state is not SandboxState.ALLOCATED:
                session.delete(row)
    return sandboxes(engine, pool)


def sandboxes(engine: Engine, pool: str | None = None) -> list[Sandbox]:
    with Session(engine) as session:
        query = select(Sandbox).order_by(col(Sandbox.pool), col(Sandbox.number))
        if pool is not None:
            query = query.where(Sandbox.pool == pool)
        return list(session.exec(query))


def held_by(engine: Engine, pool: str, holder: str) -> Sandbox | None:
    with Session(engine) as session:
        query = select(Sandbox).where(Sandbox.pool == pool, Sandbox.holder == holder)
        return session.exec(query).first()


def claim(engine: Engine, pool: str, holder: str, ttl: timedelta, skip: set[int]) -> Sandbox:
    """The lowest ready sandbox (not in ``skip``), now held by ``holder`` until ``ttl``."""
    while True:
        with Session(engine) as session:
            query = select(Sandbox.id, Sandbox.number).where(
                Sandbox.pool == pool, Sandbox.state == SandboxState.READY
            )
            free = [(i, c) for i, c in session.exec(query.order_by(col(Sandbox.number)))
                    if c not in skip]  # fmt: skip
        if not free:
            raise PoolError(_full_message(engine, pool))
        moment = now()
        with session_scope(engine) as session:
            result = session.execute(
                update(Sandbox)
                .where(col(Sandbox.id) == free[0][0], col(Sandbox.state) == SandboxState.READY)
                .values(state=SandboxState.ALLOCATED, holder=holder, allocated_at=moment,
                        expires_at=moment + ttl)
            )  # fmt: skip
        if cast(CursorResult[Any], result).rowcount:
            return _row(engine, pool, free[0][1])
        # another trainee took it between our read and our write: try the next one


def set_state(engine: Engine, pool: str, copy: int, state: SandboxState, note: str = "") -> Sandbox:
    """Move a sandbox; READY and BROKEN free it (no holder)."""
    with session_scope(engine) as session:
        row = _get(session, pool, copy)
        row.state, row.note = state, note
        if state in (SandboxState.READY, SandboxState.BROKEN, SandboxState.RESETTING):
            row.holder, row.allocated_at, row.expires_at = None, None, None
        if state is SandboxState.READY:
            row.resets += 1
        session.add(row)
    return _row(engine, pool, copy)


def extend(engine: Engine, pool: str, holder: str, ttl: timedelta) -> Sandbox:
    with session_scope(engine) as session:
        row = session.exec(
            select(Sandbox).where(Sandbox.pool == pool, Sandbox.holder == holder)
        ).first()
        if row is None:
            raise NotFoundError(f"{holder} holds no sandbox of pool {pool}")
        row.expires_at = now() + ttl
        session.add(row)
        copy = row.number
    return _row(engine, pool, copy)


def expired(engine: Engine, pool: str) -> list[Sandbox]:
    moment = now()
    return [
        s for s in sandboxes(engine, pool)
        if s.state is SandboxState.ALLOCATED and (aware(s.expires_at) or moment) < moment
    ]  # fmt: skip


def forget_pool(engine: Engine, pool: str) -> None:
    with session_scope(engine) as session:
        for row in session.exec(select(Sandbox).where(Sandbox.pool == pool)):
            session.delete(row)


def _full_message(engine: Engine, pool: str) -> str:
    rows = sandboxes(engine, pool)
    if not rows:
        raise NotFoundError(f"no pool {pool!r}: make one with `cyberrange pool create`")
    counts = {state: sum(1 for r in rows if r.state is state) for state in SandboxState}
    shown = ", ".join(f"{n} {state}" for state, n in counts.items() if n)
    return f"pool {pool} has no free sandbox ({shown}): wait for a reset or grow the pool"


def _get(session: Session, pool: str, copy: int) -> Sandbox:
    row = session.exec(select(Sandbox).where(Sandbox.pool == pool, Sandbox.number == copy)).first()
    if row is None:
        raise NotFoundError(f"pool {pool!r} has no sandbox {copy}")
    return row


def _row(engine: Engine, pool: str, copy: int) -> Sandbox:
    with Session(engine) as session:
        return _get(session, pool, copy)
