"""Runs in a separate process: submit flags for red through its own engine."""

from __future__ import annotations

from scoring.ratelimit import SharedRateLimiter
from scoring.submissions import Submitter


def submit_in_process(url: str, exercise: str, flags: list[str], burst: float) -> list[str]:
    from cyberrange.tables import import_all_tables
    from range.db import make_engine

    import_all_tables()
    engine = make_engine(url)
    try:
        limiter = SharedRateLimiter(engine, rate=0.001, burst=burst)
        results = Submitter(engine, exercise, limiter=limiter).submit("red", flags)
        return [r.answer.value for r in results]
    finally:
        engine.dispose()
