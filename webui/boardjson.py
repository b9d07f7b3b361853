"""The scoreboard as JSON for the page's script and the live event stream."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.engine import Engine

from scoring.exercise import get_exercise, time_left
from scoring.scoreboard import compute_scoreboard

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 300.0  # then the browser's EventSource reconnects by itself


def board_payload(engine: Engine, exercise_name: str, viewer_role: str) -> dict[str, Any]:
    """What a viewer of ``viewer_role`` may see: frozen for teams during a freeze."""
    exercise = get_exercise(engine, exercise_name)
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
            }
            for t in board.teams
        ],
        "services": {team: dict(sorted(s.items())) for team, s in sorted(board.services.items())},
        "history": [[tick, totals] for tick, totals in board.history],
    }


def board_events(
    load: Callable[[], dict[str, Any]],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    stream_seconds: float = STREAM_SECONDS,
) -> Iterator[str]:
    """Server-sent events: the board whenever it changes (polled every second),
    a comment line now and then so proxies keep the connection open."""
    last, started, quiet_since = "", clock(), clock()
    yield "retry: 2000\n\n"
    while clock() - started < stream_seconds:
        # time_left changes every second; only a change of the rest is news.
        payload = load()
        text = json.dumps(payload, sort_keys=True)
        compare = json.dumps({**payload, "time_left": None}, sort_keys=True)
        if compare != last:
            last, quiet_since = compare, clock()
            yield f"event: board\ndata: {text}\n\n"
        elif clock() - quiet_since > KEEPALIVE_SECONDS:
            quiet_since = clock()
            yield ": keepalive\n\n"
        sleep(POLL_SECONDS)
