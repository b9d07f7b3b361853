"""The login throttle's counters in the project's database, shared by every worker.

Flask-Limiter keeps its counters in a `limits` storage; the well-kept stores
(Redis, Memcached, MongoDB) are servers this platform does not run. This
storage (scheme ``cyberrange-db://``) keeps each fixed-window counter as a
row: an upsert bumps it, or restarts it once its window is over, in one
statement, so concurrent workers on SQLite or PostgreSQL count every attempt
once. `cyberrange serve` uses it unless ``--limiter-storage`` names another.
"""

from __future__ import annotations

import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, SQLModel

SCHEME = "cyberrange-db"


class LimitCounter(SQLModel, table=True):
    __tablename__ = "web_limit_counter"

    key: str = Field(primary_key=True, max_length=255)
    count: int = 0
    expires_at: float = 0.0  # epoch seconds: the end of the counter's window


class DatabaseStorage(Storage):
    """A `limits` storage over the project's engine (pass it as ``engine`` option)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: Any) -> None:  # fmt: skip
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        engine = options.get("engine")
        if not isinstance(engine, Engine):
            raise ValueError(f"{SCHEME}:// needs the application's engine as option 'engine'")
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        table = LimitCounter.__table__  # type: ignore[attr-defined]
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        over = table.c.expires_at <= now
        values = insert(table).values(key=key[:255], count=amount, expires_at=now + expiry)
        statement = values.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"count": case((over, amount), else_=table.c.count + amount),
                  "expires_at": case((over, now + expiry), else_=table.c.expires_at)},
        ).returning(table.c.count)  # fmt: skip
        with self.engine.begin() as conn:
            return int(conn.execute(statement).scalar_one())

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row is not None else time.time()

    def check(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(select(1))
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(LimitCounter.__table__)).rowcount)  # type: ignore[attr-defined]

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(LimitCounter.__table__).where(  # type: ignore[attr-defined]
                LimitCounter.__table__.c.key == key[:255]))  # type: ignore[attr-defined]

    def _row(self, key: str) -> Any:
        table = LimitCounter.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            return conn.execute(select(table).where(table.c.key == key[:255])).first()
