"""Flag submitters of one application, and the group commit that writes for them.

A :class:`scoring.submissions.Submitter` caches the flag codec, the teams and
the flag catalog, so it must outlive a request: the pool keeps one per
exercise. Pages and API share it (``app.extensions[POOL_KEY]``); the team's
rate bucket is a database row (scoring.ratelimit.SharedRateLimiter), one for
the page, the API, every worker and the CLI.

Request threads do not write. They queue their batch and wait; one writer
thread takes everything queued and answers it in **one** write transaction
(answers, captures and each request's audit entry), so a hundred concurrent
single flags cost one commit instead of a hundred queued ones. The writer
exits when idle and is started again by the next submission (it is never
started before gunicorn forks its workers).
"""

from __future__ import annotations

import os
import queue
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy.engine import Connection, Engine

from records import audit
from scoring.ratelimit import DEFAULT_BURST, DEFAULT_RATE, SharedRateLimiter
from scoring.submissions import Answer, SubmissionResult, SubmitRequest, Submitter

POOL_KEY = "cyberrange.submitters"
RATE_SETTING = "CYBERRANGE_FLAG_RATE"  # flags per second and team, sustained
BURST_SETTING = "CYBERRANGE_FLAG_BURST"
GROUP_FLAGS = 20_000  # a group commit stops taking requests past this many flags
IDLE_SECONDS = 2.0  # the writer thread ends after this long without work


@dataclass(frozen=True)
class AuditNote:
    """Who submitted, for the audit entry written with the answers."""

    username: str
    via: str  # "web" | "api"


@dataclass
class _Pending:
    exercise: str
    submitter: Submitter
    request: SubmitRequest
    note: AuditNote | None
    done: threading.Event = field(default_factory=threading.Event)
    results: list[SubmissionResult] = field(default_factory=list)
    error: BaseException | None = None


class SubmitterPool:
    def __init__(self, rate: float = DEFAULT_RATE, burst: float = DEFAULT_BURST) -> None:
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._submitters: dict[str, Submitter] = {}
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None

    def get(self, engine: Engine, exercise_name: str) -> Submitter:
        """The exercise's submitter (exercise names are never reused)."""
        with self._lock:
            found = self._submitters.get(exercise_name)
            if found is None:
                # the team's bucket lives in the database: one for all workers
                limiter = SharedRateLimiter(engine, rate=self.rate, burst=self.burst)
                found = Submitter(engine, exercise_name, limiter=limiter)
                self._submitters[exercise_name] = found
            return found

    def submit(
        self,
        engine: Engine,
        exercise_name: str,
        team: str,
        flags: Sequence[str],
        actor: str,
        note: AuditNote | None = None,
    ) -> list[SubmissionResult]:
        """Answer one team's flags; returns once they (and the audit entry) are committed."""
        request = SubmitRequest(team, tuple(flags), actor)
        pending = _Pending(exercise_name, self.get(engine, exercise_name), request, note)
        with self._lock:
            self._queue.put(pending)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write, name="flag-group-commit", daemon=True
                )
                self._writer.start()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.results

    def _write(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._writer = None
                        return
                continue
            group, flags = [first], len(first.request.flags)
            while flags < GROUP_FLAGS:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                group.append(more)
                flags += len(more.request.flags)
            by_exercise: dict[str, list[_Pending]] = {}
            for pending in group:
                by_exercise.setdefault(pending.exercise, []).append(pending)
            for members in by_exercise.values():
                _commit(members)


def _commit(members: list[_Pending]) -> None:
    """One exercise's share of a group: one transaction, then wake every waiter."""
    exercise = members[0].exercise

    def write_audit(conn: Connection, answered: list[tuple[SubmitRequest, list[SubmissionResult]]]
                    ) -> None:
        items = [
            _audit_item(p.note, request, results)
            for p, (request, results) in zip(members, answered, strict=True)
            if p.note is not None
        ]
        audit.append_many_on(conn, exercise, items)

    try:
        answers = members[0].submitter.submit_many([p.request for p in members], write_audit)
    except BaseException as exc:
        for pending in members:
            pending.error = exc
            pending.done.set()
        return
    for pending, results in zip(members, answers, strict=True):
        pending.results = results
        pending.done.set()


def _audit_item(
    note: AuditNote | None, request: SubmitRequest, results: list[SubmissionResult]
) -> audit.AuditItem:
    assert note is not None
    accepted = Counter(r.answer for r in results)[Answer.ACCEPTED]
    details = {"team": request.team, "flags": len(results), "accepted": accepted, "via": note.via}
    return f"{note.via}:{note.username}", "flags.submit", details


def _setting(app: Flask, key: str, default: float) -> float:
    raw = app.config.get(key) or os.environ.get(key)
    return float(raw) if raw else default


def install(app: Flask) -> None:
    """Give the app its pool, limits from the app config or the environment."""
    app.extensions[POOL_KEY] = SubmitterPool(
        _setting(app, RATE_SETTING, DEFAULT_RATE), _setting(app, BURST_SETTING, DEFAULT_BURST)
    )


def pool() -> SubmitterPool:
    """The application's pool (installed by the app factory; one per app, never global)."""
    found: SubmitterPool = current_app.extensions[POOL_KEY]
    return found
