"""Per-team token buckets for flag submissions.

:class:`SharedRateLimiter` (the default) keeps the buckets in the database, so
a team has one bucket across every web worker, every CLI call and every host
that submits: the limit is per team, not per process. :class:`RateLimiter`
keeps them in one process's memory (benchmarks, tests of the arithmetic).

Both answer ``take(exercise_id, {team: wanted})`` with how many flags each team
may submit now. A bucket holds at most ``burst`` tokens and refills at
``rate`` tokens a second; one flag costs one token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from range.db import write_transaction
from range.errors import ConfigError
from scoring.tables import RateBucket

DEFAULT_RATE = 100.0  # flags per second, sustained
DEFAULT_BURST = 500.0
BUCKETS = RateBucket.__table__  # type: ignore[attr-defined]


class Limiter(Protocol):
    def take(self, exercise_id: int, wanted: Mapping[str, int]) -> dict[str, int]:
        """How many of the wanted flags each team may submit now (tokens are spent)."""
        ...


def _check(rate: float, burst: float) -> None:
    if rate <= 0 or burst < 1:
        raise ConfigError("rate must be positive and burst at least 1")


def _refill(tokens: float, elapsed: float, rate: float, burst: float) -> float:
    return min(burst, tokens + max(0.0, elapsed) * rate)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimiter:
    """Buckets in this process's memory: ``allow(team, n)`` or ``take``."""

    rate: float = DEFAULT_RATE
    burst: float = DEFAULT_BURST
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)  # web workers share one

    def __post_init__(self) -> None:
        _check(self.rate, self.burst)

    def allow(self, team: str, wanted: int) -> int:
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(team)
            if bucket is None:
                bucket = self._buckets[team] = _Bucket(self.burst, now)
            bucket.tokens = _refill(bucket.tokens, now - bucket.stamp, self.rate, self.burst)
            bucket.stamp = now
            granted = min(wanted, int(bucket.tokens))
            bucket.tokens -= granted
            return granted

    def take(self, exercise_id: int, wanted: Mapping[str, int]) -> dict[str, int]:
        return {team: self.allow(team, n) for team, n in wanted.items()}


@dataclass
class SharedRateLimiter:
    """Buckets in the ``rate_bucket`` table: one per exercise and team for all processes.

    One write transaction per call, whatever the number of teams: missing
    buckets are inserted full (``ON CONFLICT DO NOTHING``: two processes may
    race to create one), then read ``FOR UPDATE`` in team order and written
    back. On PostgreSQL the row locks serialize two workers taking from one
    team's bucket; on SQLite the database write lock (``BEGIN IMMEDIATE``) does.
    Time is wall-clock Unix time, the one clock every process shares.
    """

    engine: Engine
    rate: float = DEFAULT_RATE
    burst: float = DEFAULT_BURST
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        _check(self.rate, self.burst)

    def take(self, exercise_id: int, wanted: Mapping[str, int]) -> dict[str, int]:
        teams = sorted(team for team, n in wanted.items() if n > 0)
        granted = dict.fromkeys(wanted, 0)
        if not teams:
            return granted
        with write_transaction(self.engine) as conn:
            now = self.clock()
            self._create(conn, exercise_id, teams, now)
            c = BUCKETS.c
            rows = conn.execute(
                select(c.team, c.tokens, c.stamp)
                .where(c.exercise_id == exercise_id, c.team.in_(teams))
                .order_by(c.team)
                .with_for_update()
            ).all()
            changes = []
            for team, tokens, stamp in rows:
                available = _refill(float(tokens), now - float(stamp), self.rate, self.burst)
                granted[team] = min(wanted[team], int(available))
                changes.append({"t": team, "tokens": available - granted[team], "stamp": now})
            conn.execute(
                update(BUCKETS)
                .where(c.exercise_id == exercise_id, c.team == bindparam("t"))
                .values(tokens=bindparam("tokens"), stamp=bindparam("stamp")),
                changes,
            )
        return granted

    def _create(self, conn: Connection, exercise_id: int, teams: list[str], now: float) -> None:
        rows = [
            {"exercise_id": exercise_id, "team": t, "tokens": self.burst, "stamp": now}
            for t in teams
        ]
        dialect = conn.dialect.name
        if dialect == "postgresql":
            conn.execute(postgresql.insert(BUCKETS).on_conflict_do_nothing(), rows)
        elif dialect == "sqlite":
            conn.execute(sqlite.insert(BUCKETS).on_conflict_do_nothing(), rows)
        else:
            raise ConfigError(f"shared rate limits need SQLite or PostgreSQL, not {dialect}")
