"""Long-lived agent sessions (the agent as a local process): reuse, recovery, timeouts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from range.backends.exec_session import ProcessSession
from scoring.checkers.protocol import Job, Phase
from scoring.checkers.sessions import AgentSessions
from scoring.checkers.status import CheckStatus

# Prints the agent's pid (the parent of the forked run) as its message.
PARENT = "import os, sys\nprint(os.getppid())\nsys.exit(101)\n"


class LocalOpener:
    def __init__(self) -> None:
        self.opened: list[ProcessSession] = []

    def open_session(self, range_name: str, container: str, argv: Sequence[str]) -> ProcessSession:
        session = ProcessSession(argv)
        self.opened.append(session)
        return session


@pytest.fixture
def opener() -> LocalOpener:
    return LocalOpener()


@pytest.fixture
def sessions(opener: LocalOpener) -> Iterator[AgentSessions]:
    agents = AgentSessions(opener)
    yield agents
    agents.close()


def _parent_pid(sessions: AgentSessions, script: str = PARENT) -> tuple[CheckStatus, str]:
    job = Job("j", "h", (Phase("check"),), 5, script="p.py")
    [result] = sessions.run_batch("r", "c1", [job], {"p.py": script})["j"]
    return result.status, result.message


def test_one_agent_serves_many_batches(sessions: AgentSessions, opener: LocalOpener) -> None:
    first = _parent_pid(sessions)
    second = _parent_pid(sessions)
    assert first[0] is CheckStatus.OK and first == second
    assert len(opener.opened) == 1


def test_a_dead_session_is_reopened(sessions: AgentSessions, opener: LocalOpener) -> None:
    status, before = _parent_pid(sessions)
    opener.opened[0].close()  # the container was recreated, say
    status, after = _parent_pid(sessions)
    assert status is CheckStatus.OK and after != before
    assert len(opener.opened) == 2


def test_timeouts_inside_a_session(sessions: AgentSessions) -> None:
    job = Job("slow", "h", (Phase("check"),), 0.5, script="s.py")
    script = "import time\ntime.sleep(60)\n"
    [result] = sessions.run_batch("r", "c1", [job], {"s.py": script})["slow"]
    assert result.status is CheckStatus.CHECK_FAILED and "timed out after 0.5s" in result.message
    assert _parent_pid(sessions)[0] is CheckStatus.OK  # the agent lives on


def test_unreachable_container_is_check_failed() -> None:
    class Broken:
        def open_session(
            self, range_name: str, container: str, argv: Sequence[str]
        ) -> ProcessSession:
            return ProcessSession(["false"])

    agents = AgentSessions(Broken())
    try:
        status, message = _parent_pid(agents)
    finally:
        agents.close()
    assert status is CheckStatus.CHECK_FAILED and "c1" in message
