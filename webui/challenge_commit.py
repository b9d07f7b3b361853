"""Group commit of challenge answers, one writer thread per server worker.

As for flags (webui.submitting): request threads do not write. They queue
their answer and wait; one writer thread takes everything queued and answers
it in **one** write transaction per exercise (records.challenge_actions.
submit_answers: attempts, solves and each answer's audit entry), so a hundred
concurrent answers cost one commit and one turn of the audit chain's lock
instead of a hundred. The writer ends when idle and is started again by the
next answer (never before gunicorn forks its workers).
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.engine import Engine

from range.errors import CyberrangeError
from records.challenge_actions import AnswerRequest, submit_answers
from scoring.challenges.catalog import Catalog
from scoring.challenges.play import AttemptResult

COMMIT_KEY = "cyberrange.challenge-commit"
GROUP_ANSWERS = 500  # a group takes at most this many answers
IDLE_SECONDS = 2.0


@dataclass
class _Pending:
    engine: Engine
    catalog: Catalog
    request: AnswerRequest
    done: threading.Event = field(default_factory=threading.Event)
    result: AttemptResult | CyberrangeError | None = None
    error: BaseException | None = None


class AnswerWriter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None

    def answer(self, engine: Engine, catalog: Catalog, request: AnswerRequest
               ) -> AttemptResult:
        """The answer's result, once it and its audit entry are committed."""
        pending = _Pending(engine, catalog, request)
        with self._lock:
            self._queue.put(pending)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, daemon=True,
                                                name="challenge-group-commit")
                self._writer.start()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        if isinstance(pending.result, CyberrangeError):
            raise pending.result
        assert pending.result is not None
        return pending.result

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
            group = [first]
            while len(group) < GROUP_ANSWERS:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            by_exercise: dict[str, list[_Pending]] = {}
            for pending in group:
                by_exercise.setdefault(pending.catalog.exercise_name, []).append(pending)
            for members in by_exercise.values():
                _commit(members)


def _commit(members: list[_Pending]) -> None:
    try:
        results = submit_answers(members[0].engine, members[-1].catalog,
                                 [p.request for p in members])
    except BaseException as exc:  # the waiters get it; the writer goes on
        for pending in members:
            pending.error = exc
            pending.done.set()
        return
    for pending, result in zip(members, results, strict=True):
        pending.result = result
        pending.done.set()


def writer() -> AnswerWriter:
    """The application's writer (one per app, on app.extensions)."""
    found: AnswerWriter = current_app.extensions.setdefault(COMMIT_KEY, AnswerWriter())
    return found
