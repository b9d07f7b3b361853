"""The scoreboard as JSON for the page's script and the live event stream."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.engine import Engine

from scoring.exercise import get_exercise, time_left
from scoring.liveboard import LiveBoards
from scoring.scoreboard import compute_scoreboard

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 300.0  # then the browser's EventSource reconnects by itself
SLOTS_KEY = "cyberrange.stream-slots"
RETRY_SECONDS = 30  # told to a stream refused for want of a slot
PER_USER_STREAMS = 3  # live streams one user may hold in one worker (a few tabs)


class StreamSlots:
    """How many live streams a worker serves at once, and to one user.

    A stream holds a server thread for minutes; without a bound, enough open
    scoreboards would leave no thread for submissions, and one user opening
    tab after tab could hold them all. Past either bound a stream is refused
    (503 for the worker, 429 for the user); the page then polls the board's
    JSON instead. ``stopping`` ends every open stream within a poll interval
    (the server sets it on SIGTERM, so a worker stops at once).
    """

    def __init__(self, size: int, per_user: int = PER_USER_STREAMS) -> None:
        self.size = size
        self.per_user = per_user
        self.stopping = threading.Event()
        self._free = threading.BoundedSemaphore(size) if size > 0 else None
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()

    def take(self, holder: str = "") -> bool:
        with self._lock:
            if holder and self._held[holder] >= self.per_user:
                return False
            if self._free is None or not self._free.acquire(blocking=False):
                return False
            if holder:
                self._held[holder] += 1
            return True

    def user_full(self, holder: str) -> bool:
        with self._lock:
            return self._held[holder] >= self.per_user

    def give_back(self, holder: str = "") -> None:
        with self._lock:
            if holder:
                self._held[holder] -= 1
                if self._held[holder] <= 0:
                    del self._held[holder]
            if self._free is not None:
                self._free.release()


def board_payload(
    engine: Engine, exercise_name: str, viewer_role: str, live: LiveBoards | None = None
) -> dict[str, Any]:
    """What a viewer of ``viewer_role`` may see: frozen for teams during a freeze.
    ``live``: the process's live boards (fed only the facts since the last read)."""
    exercise = get_exercise(engine, exercise_name)
    if live is not None:
        board = live.board(engine, exercise_name, viewer_role=viewer_role)
    else:
        board = compute_scoreboard(engine, exercise_name, viewer_role=viewer_role)
    return {
        "exercise": board.exercise,
        "state": str(exercise.state),
        "tick": board.tick,
        "time_left": round(time_left(exercise)),
        "frozen": board.frozen,
        "formula": board.formula,
        "teams": [
            {
                "name": t.name,
                "role": t.role,
                "rank": t.rank,
                "total": round(t.total, 2),
                "categories": {k: round(v, 2) for k, v in sorted(t.categories.items())},
                "service_points": {k: round(v, 2) for k, v in t.services.items()},
            }
            for t in board.teams
        ],
        "services": {team: dict(sorted(s.items())) for team, s in sorted(board.services.items())},
        "history": [[tick, totals] for tick, totals in board.history],
    }


def board_events(
    load: Callable[[], dict[str, Any]],
    changed: Callable[[], object],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    stream_seconds: float = STREAM_SECONDS,
    stopping: threading.Event | None = None,
) -> Iterator[str]:
    """Server-sent events: the board whenever ``changed()`` (polled every second)
    says it may have changed, a comment line now and then for proxies; the
    stream ends after ``stream_seconds`` or as soon as ``stopping`` is set."""
    seen: object = None
    started = quiet_since = clock()
    if stopping is not None:
        sleep = stopping.wait  # type: ignore[assignment]  # wakes at once on shutdown
    yield "retry: 2000\n\n"
    while clock() - started < stream_seconds and not (stopping and stopping.is_set()):
        mark = changed()
        if mark != seen:
            seen, quiet_since = mark, clock()
            yield f"event: board\ndata: {json.dumps(load(), sort_keys=True)}\n\n"
        elif clock() - quiet_since > KEEPALIVE_SECONDS:
            quiet_since = clock()
            yield ": keepalive\n\n"
        sleep(POLL_SECONDS)
