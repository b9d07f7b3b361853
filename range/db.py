"""The database: SQLModel over SQLite (WAL) by default, PostgreSQL by URL.

Each package declares its own tables on ``SQLModel.metadata``; the composition
root imports the table modules it needs and calls :func:`create_tables`.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import Session, SQLModel, create_engine

from range.config import Settings
from range.errors import ConfigError

FILE_POOL = {"pool_size": 32, "max_overflow": 32}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; busy_timeout: writers queue instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; ConfigError (no password shown) when it is malformed or
    names a database driver that is not installed."""
    try:
        return _engine_for(url)
    except (ArgumentError, ValueError, ImportError) as exc:
        raise ConfigError(f"invalid database URL {_shown(url)}: {exc}") from None


def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        connect = {"check_same_thread": False, "timeout": 30}
        # A file database's pool as large as a web worker's threads: readers never
        # wait for a connection. (In-memory databases keep SQLite's own pool.)
        sizes = {} if make_url(url).database in (None, "", ":memory:") else FILE_POOL
        engine = create_engine(url, connect_args=connect, **sizes)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def open_engine(settings: Settings) -> Engine:
    """The database of ``settings``, its tables created; ConfigError (naming the URL
    without its password) when the URL is malformed or the database unreachable."""
    if settings.database_url is None:
        settings.ensure_data_dir()
    engine = make_engine(settings.db_url)
    try:
        create_tables(engine)
    except (DBAPIError, OSError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        raise ConfigError(f"cannot use the database {_shown(settings.db_url)}: {reason}") from None
    return engine


def _shown(url: str) -> str:
    """The URL as it may be printed: without a password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return repr(url[:100])


def create_tables(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def writer_lock_path(engine: Engine) -> str | None:
    """The file SQLite writers queue on (None: not a file database)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writer.lock"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes, committed on success.

    On SQLite the write lock is taken up front (BEGIN IMMEDIATE), and writers of
    every process first queue on a file lock: SQLite's own busy handler makes a
    waiting writer sleep and poll (up to 100 ms a turn), a flock wakes it the
    moment the lock is free, which keeps a loaded server's tail latency short.
    """
    lock_path = writer_lock_path(engine)
    with ExitStack() as stack:
        if lock_path is not None:
            handle = stack.enter_context(Path(lock_path).open("a", encoding="utf-8"))
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        conn = stack.enter_context(engine.begin())
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


class DriverSQL:
    """A constant SELECT compiled once per dialect and run on a DBAPI cursor.

    For the hottest reads (the token of every API call, the board version of
    every scoreboard read) SQLAlchemy's per-execution machinery costs more
    than the query. Parameters must be plain driver values (str, int); result
    values go through their columns' result processors (enums, datetimes), and
    driver errors are raised as SQLAlchemy's DBAPIError, as a Connection would.
    """

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, engine: Engine, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        compiled = self._compiled.get(engine.dialect.name)
        if compiled is None:
            compiled = self._compiled[engine.dialect.name] = _compile(self.statement, engine)
        values: Any = params
        if compiled.order is not None:  # positional driver (SQLite's "?")
            values = tuple(params[name] for name in compiled.order)
        error = engine.dialect.loaded_dbapi.Error
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(compiled.sql, values)
                found = cursor.fetchall()
            finally:
                cursor.close()
        except error as exc:
            raise DBAPIError.instance(compiled.sql, values, exc, error) from exc
        finally:
            connection.close()  # back to the pool
        return [compiled.convert(row) for row in found]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # parameter names in placeholder order
    processors: tuple[Callable[[Any], Any] | None, ...]

    def convert(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            process(value) if process is not None and value is not None else value
            for process, value in zip(self.processors, row, strict=True)
        )


def _compile(statement: Select[Any], engine: Engine) -> _Compiled:
    dialect = engine.dialect
    compiled = statement.compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    return _Compiled(compiled.string, order, processors)
