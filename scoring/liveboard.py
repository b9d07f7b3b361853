"""Boards that follow the facts as they arrive: a read costs the new facts, not the ledger.

:func:`scoring.scoreboard.compute_scoreboard` restores the snapshot of the last
complete tick and feeds the running tick's facts from scratch on every call:
while submissions flow, every capture of the running tick is read and scored
again by every board read. :class:`LiveBoards` keeps, per exercise, formula and
view, the formula's state after the facts it has seen and the newest fact id
``W`` among them, and on the next read feeds only the facts with an id above
``W``:

* a new fact of the running tick is scored on top (``Accumulator.apply_rows``:
  the tick is not ended, so its facts may keep coming);
* a new fact of a tick the view does not show yet is kept aside until the
  view gets there;
* a new fact of an earlier tick (a late check, a back-dated report) makes the
  entry rebuild from the snapshots, which detect it the same way;
* when the clock moves one tick on, the entry ends its running tick with the
  facts it has, saves that as the tick's snapshot and follows the next tick:
  a tick's facts are read once, not once more at its end.

This is sound because fact ids follow commit order (scoring.tables): every
fact at or below ``W`` was read when ``W`` was, and every fact committed later
has a higher id. The build reads ``W`` first and loads the running tick's
facts up to ``W`` only, so nothing is scored twice. One object per process (the
web UI keeps one per app); thread-safe.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.engine import Connection, Engine

from scoring.factrows import read_rows, rows_query
from scoring.formulas import new_accumulator
from scoring.formulas.base import Accumulator, FactRow
from scoring.ledger import FACT_TABLE
from scoring.scoreboard import (
    STATUS_WINDOW,
    Scoreboard,
    _Game,
    _game,
    _history,
    _max_fact_id,
    _saved_scores,
    _View,
    _view,
    rank,
    save_snapshots,
    snapshot_row,
)
from scoring.tables import Exercise, FactKind

EXERCISE_TABLE = Exercise.__table__  # type: ignore[attr-defined]
# Scenario and teams are reloaded at least this often (teams added to a running
# exercise show on the board within it); state, tick and formula on every read.
GAME_SECONDS = 2.0

_Status = dict[tuple[str, str], tuple[int, int, str]]  # (team, host/service) -> tick, id, outcome


@dataclass
class _Entry:
    saved: int
    last: int
    acc: Accumulator  # every scoring fact of ticks <= last with an id <= seen
    seen: int
    history: list[tuple[int, dict[str, float]]]  # saved ticks; the live one is added on read
    status: _Status
    ahead: list[FactRow] = field(default_factory=list)  # seen, for ticks after ``last``


class LiveBoards:
    """The boards of this process, kept up to date from the newest facts."""

    def __init__(self, game_seconds: float = GAME_SECONDS) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, str, bool], _Entry] = {}
        self._games: dict[str, tuple[float, _Game]] = {}
        self._game_seconds = game_seconds

    def _game(self, engine: Engine, exercise_name: str) -> _Game:
        """The exercise, its scenario and its teams; kept for ``game_seconds``
        while the exercise's state, tick and formula stay the same (one small
        query instead of loading and validating the scenario on every read)."""
        t = EXERCISE_TABLE.c
        with engine.connect() as conn:
            row = conn.execute(
                select(t.state, t.current_tick, t.formula).where(t.name == exercise_name)
            ).first()
        now = time.monotonic()
        cached = self._games.get(exercise_name)
        if row is not None and cached is not None and now < cached[0]:
            known = cached[1].exercise
            if (str(row[0]), row[1], row[2]) == (str(known.state), known.current_tick,
                                                 known.formula):  # fmt: skip
                return cached[1]
        game = _game(engine, exercise_name)  # NotFoundError for an unknown name
        self._games[exercise_name] = (now + self._game_seconds, game)
        return game

    def board(
        self, engine: Engine, exercise_name: str, formula: str | None = None,
        viewer_role: str = "white",
    ) -> Scoreboard:  # fmt: skip
        """What :func:`scoring.scoreboard.compute_scoreboard` answers, from the
        entry of this exercise, formula and view brought up to date."""
        with self._lock:
            game = self._game(engine, exercise_name)
        name = formula or game.exercise.formula
        view = _view(game.exercise, game.scenario, viewer_role, None)
        key = (game.id, game.params.key(name), view.frozen)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and (entry.saved, entry.last) != (view.saved, view.last):
                entry = entry if _roll(engine, game, key[1], entry, view) else None
            elif entry is not None and not _follow(engine, game, entry):
                entry = None
            if entry is None:
                entry = self._entries[key] = _build(engine, game, name, view)
            totals = entry.acc.totals()
            teams = rank(game.params, totals, entry.acc.service_totals())
            history = list(entry.history)
            if view.last > view.saved:
                history.append((view.last, {t: sum(c.values()) for t, c in totals.items()}))
            services: dict[str, dict[str, str]] = {}
            for (team, label), (_, _, outcome) in sorted(entry.status.items()):
                services.setdefault(team, {})[label] = outcome
        return Scoreboard(game.exercise.name, view.last, view.frozen, name, teams, services,
                          history)  # fmt: skip


def _build(engine: Engine, game: _Game, name: str, view: _View) -> _Entry:
    with engine.connect() as conn:
        seen = _max_fact_id(conn)  # first: every fact up to it is committed
    acc = _saved_scores(engine, game, name, view.saved)
    key = game.params.key(name)
    c = FACT_TABLE.c
    with engine.connect() as conn:
        history = _history(conn, game.id, key, view.saved)
        status = _status(conn, game.id, view.last, seen)
        if view.last > acc.tick:
            live = new_accumulator(name, game.params)
            live.load_state(acc.state())
            query = (
                rows_query()
                .where(c.exercise_id == game.id, c.tick > acc.tick, c.tick <= view.last)
                .where(c.id <= seen)
                .order_by(c.tick, c.id)
            )
            rows = read_rows(conn, query)
            for tick in range(acc.tick + 1, view.last):
                live.apply_tick(tick, [r for r in rows if r.tick == tick])
            live.apply_rows(r for r in rows if r.tick == view.last)
            acc = live
        # facts already recorded for ticks the view does not show yet (the clock lags)
        later = rows_query().where(c.exercise_id == game.id, c.tick > view.last, c.id <= seen)
        ahead = read_rows(conn, later.order_by(c.id))
    return _Entry(view.saved, view.last, acc, seen, history, status, ahead)


def _newer_query() -> Select[Any]:
    c = FACT_TABLE.c
    # "+ 0" keeps SQLite on the primary key's range (only the newest facts)
    return (
        rows_query()
        .where(c.id > bindparam("seen"), c.exercise_id + 0 == bindparam("exercise"))
        .order_by(c.id)
    )


NEWER = _newer_query()  # built once: every board read after new facts runs it


def _newer(engine: Engine, game: _Game, entry: _Entry) -> list[FactRow]:
    with engine.connect() as conn:
        return read_rows(conn, NEWER.params(seen=entry.seen, exercise=game.id))


def _roll(engine: Engine, game: _Game, key: str, entry: _Entry, view: _View) -> bool:
    """The clock moved one tick on: end the entry's running tick with the facts
    seen so far, save it as that tick's snapshot, and follow the next one — no
    reading the ended tick's facts again. False when that does not apply."""
    old = entry.last
    if not (entry.saved == old - 1 and view.saved == old and view.last == old + 1):
        return False
    rows = sorted([*entry.ahead, *_newer(engine, game, entry)], key=lambda r: r.id)
    if any(r.tick < old for r in rows):
        return False
    entry.ahead = [r for r in rows if r.tick > old + 1]
    ending = [r for r in rows if r.tick == old]
    entry.acc.apply_rows(ending)
    _note_checks(entry.status, ending, old)
    if rows:
        entry.seen = max(entry.seen, *(r.id for r in rows))
    entry.acc.end_tick(old)
    entry.acc.tick = old
    saved = snapshot_row(game.id, key, entry.acc, entry.seen)
    save_snapshots(engine, game.id, key, old, [saved])
    entry.history.append((old, saved["totals"]))
    entry.saved, entry.last = old, old + 1
    running = [r for r in rows if r.tick == old + 1]
    entry.acc.apply_rows(running)
    entry.status = {k: v for k, v in entry.status.items() if v[0] > old + 1 - STATUS_WINDOW}
    _note_checks(entry.status, running, old + 1)
    return True


def _follow(engine: Engine, game: _Game, entry: _Entry) -> bool:
    """Feed the facts newer than the entry's; False when one of them is for a
    tick before the running one (the entry must be built again)."""
    rows = _newer(engine, game, entry)
    if any(r.tick < entry.last or (r.tick == entry.last == entry.saved) for r in rows):
        return False
    current = [r for r in rows if r.tick == entry.last]
    entry.ahead.extend(r for r in rows if r.tick > entry.last)  # the view gets there later
    entry.acc.apply_rows(current)
    _note_checks(entry.status, current, entry.last)
    if rows:
        entry.seen = max(r.id for r in rows)
    return True


def _status(conn: Connection, exercise_id: int, last: int, seen: int) -> _Status:
    c = FACT_TABLE.c
    query = (
        rows_query([FactKind.CHECK])
        .where(c.exercise_id == exercise_id, c.tick > last - STATUS_WINDOW, c.tick <= last)
        .where(c.id <= seen)
    )
    status: _Status = {}
    _note_checks(status, read_rows(conn, query), last)
    return status


def _note_checks(status: _Status, rows: list[FactRow], last: int) -> None:
    """The newest check result per team and service, by (tick, id)."""
    for row in rows:
        if row.kind is not FactKind.CHECK or row.team is None or row.tick <= last - STATUS_WINDOW:
            continue
        key = (row.team, f"{row.host}/{row.service}")
        found = status.get(key)
        if found is None or (row.tick, row.id) > found[:2]:
            status[key] = (row.tick, row.id, row.outcome or "")
