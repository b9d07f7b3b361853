"""The scoreboard, computed once per change instead of once per reader.

Fifty teams polling the board every second would recompute it fifty times a
second. A board only changes when a fact is appended or the exercise row
changes (state, tick, formula), so each worker keeps the last payload per
exercise and view with a version read by two indexed one-row queries; when the
version is unchanged only ``time_left`` moves, by the wall time elapsed while
running. One thread computes a missing board while the others wait for it,
through the worker's :class:`scoring.liveboard.LiveBoards`: after new facts, a
board costs what the new facts cost, not what the ledger holds. The API,
the scoreboard page, its JSON and its live stream all read through it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.engine import Engine

from range.db import DriverSQL
from scoring.ledger import FACT_TABLE
from scoring.liveboard import LiveBoards
from scoring.scoreboard import FULL_VIEW_ROLES
from scoring.tables import Exercise, ExerciseState
from webui.boardjson import board_payload

CACHE_KEY = "cyberrange.boards"
EXERCISE_TABLE = Exercise.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Entry:
    version: tuple[Any, ...]
    payload: dict[str, Any]
    stamp: float  # monotonic time the payload was computed
    began: float  # monotonic time its computation began (it saw every fact committed before)


class BoardCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, bool], _Entry] = {}
        self._computing: dict[tuple[str, bool], threading.Lock] = {}
        self._live = LiveBoards()  # a new board costs the facts since the last one

    def payload(self, engine: Engine, exercise_name: str, viewer_role: str) -> dict[str, Any]:
        key = (exercise_name, viewer_role in FULL_VIEW_ROLES)
        asked = time.monotonic()
        version = board_version(engine, exercise_name)
        entry = self._fresh(key, version, asked)
        if entry is None:
            with self._lock:
                gate = self._computing.setdefault(key, threading.Lock())
            with gate:  # one computation per key; the others find its result
                entry = self._fresh(key, version, asked)
                if entry is None:
                    began = time.monotonic()
                    board = board_payload(engine, exercise_name, viewer_role, self._live)
                    entry = _Entry(version, board, time.monotonic(), began)
                    with self._lock:
                        self._entries[key] = entry
        return _aged(entry)

    def _fresh(self, key: tuple[str, bool], version: tuple[Any, ...], asked: float
               ) -> _Entry | None:  # fmt: skip
        """The cached board if it is this version, or if its computation began
        after this request came in: it then saw every fact committed before the
        request, so while facts keep arriving, the readers queued behind one
        computation share it instead of each computing one more."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and (entry.version == version or entry.began >= asked):
            return entry
        return None


def _version_query() -> Select[Any]:
    t = EXERCISE_TABLE.c
    newest = select(func.max(FACT_TABLE.c.id)).scalar_subquery()
    return select(newest, t.id, t.state, t.current_tick, t.formula, t.paused_seconds,
                  t.started_at).where(t.name == bindparam("name"))


# Every scoreboard read asks it: compiled once and run on the driver.
VERSION_QUERY = DriverSQL(_version_query())


def board_version(engine: Engine, exercise_name: str) -> tuple[Any, ...]:
    """What the board depends on besides the clock, in one query: the newest
    fact (of any exercise: the rowid maximum is one b-tree step) and the
    exercise row's state, tick and formula."""
    rows = VERSION_QUERY.rows(engine, {"name": exercise_name})
    return rows[0] if rows else ()


def _aged(entry: _Entry) -> dict[str, Any]:
    """The cached board with ``time_left`` moved on while the exercise runs."""
    if entry.payload.get("state") != str(ExerciseState.RUNNING):
        return entry.payload
    elapsed = time.monotonic() - entry.stamp
    return {**entry.payload, "time_left": max(0, round(entry.payload["time_left"] - elapsed))}


def boards() -> BoardCache:
    found: BoardCache = current_app.extensions[CACHE_KEY]
    return found
