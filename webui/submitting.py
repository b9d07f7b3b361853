"""One flag submitter per exercise and worker process, shared by its threads.

A :class:`scoring.submissions.Submitter` caches the flag codec and keeps the
per-team rate limiter in memory, so it must outlive a request; its limiter is
not thread-safe, so each exercise's submitter is used under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from flask import current_app
from sqlalchemy.engine import Engine

from scoring.submissions import SubmissionResult, Submitter

POOL_KEY = "cyberrange.submitters"


class SubmitterPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._submitters: dict[str, tuple[Submitter, threading.Lock]] = {}

    def _get(self, engine: Engine, exercise_name: str) -> tuple[Submitter, threading.Lock]:
        with self._lock:
            if exercise_name not in self._submitters:
                self._submitters[exercise_name] = (
                    Submitter(engine, exercise_name),
                    threading.Lock(),
                )
            return self._submitters[exercise_name]

    def submit(
        self, engine: Engine, exercise_name: str, team: str, flags: Sequence[str], actor: str
    ) -> list[SubmissionResult]:
        submitter, lock = self._get(engine, exercise_name)
        with lock:
            return submitter.submit(team, flags, actor=actor)


def pool() -> SubmitterPool:
    """The application's pool (made on first use; one per app, never global)."""
    found: SubmitterPool = current_app.extensions.setdefault(POOL_KEY, SubmitterPool())
    return found
