"""The event stream's loop: a board on change, keepalives in between, then the end."""

from __future__ import annotations

from typing import Any

from webui.boardjson import KEEPALIVE_SECONDS, board_events


def test_board_is_sent_when_the_fingerprint_changes() -> None:
    now = [0.0]
    marks = iter([1, 1, 2, 2] + [2] * 100)
    loads: list[int] = []

    def load() -> dict[str, Any]:
        loads.append(1)
        return {"n": len(loads)}

    def sleep(seconds: float) -> None:
        now[0] += seconds

    events = list(board_events(load, lambda: next(marks), sleep, lambda: now[0],
                               stream_seconds=KEEPALIVE_SECONDS * 2 + 5))
    assert events[0].startswith("retry:")
    boards = [e for e in events if e.startswith("event: board")]
    assert boards == ['event: board\ndata: {"n": 1}\n\n', 'event: board\ndata: {"n": 2}\n\n']
    assert len(loads) == 2  # the board is computed only when something changed
    assert events.count(": keepalive\n\n") >= 1
