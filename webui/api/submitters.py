"""Flag submitters of one application: one per exercise, shared by all threads.

A :class:`scoring.submissions.Submitter` caches the flag codec, the teams and
the flag catalog, so it must outlive a request. Its only unsynchronised state
is the per-team rate limiter, which locks itself, so threads submit
concurrently (the database's unique key decides races).

The pool lives on ``app.extensions`` under the key the pages use too
(:data:`webui.submitting.POOL_KEY`), so a team has one rate bucket whether it
submits from the page or the API.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from scoring.ratelimit import DEFAULT_BURST, DEFAULT_RATE, RateLimiter
from scoring.submissions import SubmissionResult, Submitter
from webui.submitting import POOL_KEY

RATE_SETTING = "CYBERRANGE_FLAG_RATE"  # flags per second and team, sustained
BURST_SETTING = "CYBERRANGE_FLAG_BURST"


class SubmitterPool:
    def __init__(self, rate: float = DEFAULT_RATE, burst: float = DEFAULT_BURST) -> None:
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._submitters: dict[str, Submitter] = {}
        # SQLite takes one writer at a time and makes the others sleep and retry
        # (busy timeout); queueing this worker's writers here instead keeps the
        # latency of a submission to its own work.
        self.writing = threading.Lock()

    def get(self, engine: Engine, exercise_name: str) -> Submitter:
        """The exercise's submitter (exercise names are never reused)."""
        with self._lock:
            found = self._submitters.get(exercise_name)
            if found is None:
                limiter = RateLimiter(rate=self.rate, burst=self.burst)
                found = Submitter(engine, exercise_name, limiter=limiter)
                self._submitters[exercise_name] = found
            return found

    def submit(
        self, engine: Engine, exercise_name: str, team: str, flags: Sequence[str], actor: str
    ) -> list[SubmissionResult]:
        submitter = self.get(engine, exercise_name)
        with self.writing:
            return submitter.submit(team, flags, actor=actor)


def _setting(app: Flask, key: str, default: float) -> float:
    raw = app.config.get(key) or os.environ.get(key)
    return float(raw) if raw else default


def install(app: Flask) -> None:
    """Give the app its pool, limits from the app config or the environment."""
    app.extensions[POOL_KEY] = SubmitterPool(
        _setting(app, RATE_SETTING, DEFAULT_RATE), _setting(app, BURST_SETTING, DEFAULT_BURST)
    )


def pool() -> SubmitterPool:
    found: SubmitterPool = current_app.extensions[POOL_KEY]
    return found
