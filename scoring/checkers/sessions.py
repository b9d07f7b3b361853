"""Persistent checker agents: one long-lived agent session per checker container.

A ``docker exec`` costs the engine a few hundred milliseconds; with 50 copies
that alone would eat a tick's budget. The agent is therefore started once per
checker container in ``--serve`` mode and asked one batch per tick. A session
that dies (the container was recreated) or hangs is dropped and reopened.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from scoring.checkers.protocol import (
    Job,
    PhaseResult,
    agent_program,
    batch_text,
    batch_timeout,
    failed,
    parse_answer,
)

_MESSAGE_LIMIT = 300
# A fresh agent imports its modules first: slow on a busy engine with many copies.
STARTUP_ALLOWANCE = 90.0


class Session(Protocol):
    @property
    def alive(self) -> bool: ...

    def request(self, line: str, timeout: float) -> str: ...

    def close(self) -> None: ...


class SessionOpener(Protocol):
    """What a backend offers for long-lived sessions (range.backends.exec_session)."""

    def open_session(self, range_name: str, container: str, argv: Sequence[str]) -> Session: ...


class AgentSessions:
    """Keeps one serving agent per checker container; thread-safe per container."""

    def __init__(self, opener: SessionOpener) -> None:
        self._opener = opener
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _session(self, range_name: str, container: str) -> tuple[Session, bool]:
        """The container's session, and whether it was just opened."""
        with self._lock:
            session = self._sessions.get(container)
            if session is not None and session.alive:
                return session, False
            argv = ["python3", "-c", agent_program(), "--serve"]
            session = self._opener.open_session(range_name, container, argv)
            self._sessions[container] = session
            return session, True

    def warm_up(
        self, range_name: str, containers: Sequence[str], workers: int = 32
    ) -> dict[str, str]:
        """Start the agents of all containers at once; container → problem, for those failing."""

        def ping(container: str) -> tuple[str, str]:
            try:
                session, fresh = self._session(range_name, container)
                session.request('{"jobs": []}', STARTUP_ALLOWANCE if fresh else 30.0)
            except Exception as exc:  # reported, and retried at the first tick
                self._drop(container)
                return container, str(exc) or type(exc).__name__
            return container, ""

        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(containers)))) as pool:
            answers = list(pool.map(ping, containers))
        return {container: problem for container, problem in answers if problem}

    def _drop(self, container: str) -> None:
        with self._lock:
            session = self._sessions.pop(container, None)
        if session is not None:
            session.close()

    def run_batch(
        self,
        range_name: str,
        container: str,
        jobs: Sequence[Job],
        scripts: Mapping[str, str],
        workers: int = 32,
    ) -> dict[str, list[PhaseResult]]:
        """Like protocol.run_batch, through the container's agent session."""
        if not jobs:
            return {}
        text, limit = batch_text(jobs, scripts, workers), batch_timeout(jobs)
        for attempt in (1, 2):  # a stale session (container recreated) gets one retry
            try:
                session, fresh = self._session(range_name, container)
                answer = session.request(text, limit + (STARTUP_ALLOWANCE if fresh else 0.0))
            except TimeoutError:
                self._drop(container)
                return failed(jobs, f"checker container {container} did not answer in {limit:g}s")
            except Exception as exc:  # the session or the container is gone
                self._drop(container)
                if attempt == 2:
                    return failed(jobs, f"checker container {container}: {exc}"[:_MESSAGE_LIMIT])
                continue
            return parse_answer(answer, jobs, container)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()
