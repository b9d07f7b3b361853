"""A whole tick through agent sessions in a real checker container, into the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chk_helpers import CheckNet  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from range.backends.exec_session import DockerSessions
from range.scenario.models import Scenario, Service
from scoring.checkers.protocol import Job, Phase
from scoring.checkers.runner import TickChecks
from scoring.checkers.sessions import AgentSessions
from scoring.checkers.status import CheckStatus
from scoring.checkers.targets import ServiceTarget
from scoring.exercise import create_exercise
from scoring.tables import Fact, FactKind

pytestmark = pytest.mark.docker

# A flag store kept in the checker container's /tmp (HOST is only passed along).
STORE = """import os, sys
action = sys.argv[1]
if action == "check":
    print("store ok")
    sys.exit(101)
path = "/tmp/chk-store-" + sys.argv[3]
if action == "put":
    open(path, "w").write(sys.argv[4])
    sys.exit(101)
sys.exit(101 if os.path.exists(path) and open(path).read() == sys.argv[4] else 102)
"""
PARENT = "import os, sys\nprint(os.getppid())\nsys.exit(101)\n"


@pytest.fixture
def sessions() -> Iterator[AgentSessions]:
    agents = AgentSessions(DockerSessions())
    yield agents
    agents.close()


def _scenario() -> Scenario:
    return Scenario.model_validate(
        {
            "schema": "cyberrange/v1", "name": "chktick", "title": "t", "duration": 600,
            "tick": 60, "teams": [{"name": "blue", "role": "blue"}],
            "networks": {"lan": {"subnet": "10.{copy}.0.0/24"}},
            "hosts": {"box": {"image": "cyberrange/target", "networks": ["lan"]}},
        }
    )  # fmt: skip


def test_sessions_are_reused(checknet: CheckNet, sessions: AgentSessions) -> None:
    assert sessions.warm_up(checknet.range_name, [checknet.checker]) == {}
    job = Job("p", checknet.target_ip, (Phase("check"),), 10, script="p.py")

    def agent_pid() -> str:
        [result] = sessions.run_batch(checknet.range_name, checknet.checker, [job],
                                      {"p.py": PARENT})["p"]  # fmt: skip
        assert result.status is CheckStatus.OK
        return result.message

    assert agent_pid() == agent_pid()


def test_ticks_write_checks_and_flags(
    checknet: CheckNet, sessions: AgentSessions, engine: Engine, tmp_path: Path
) -> None:
    exercise = create_exercise(engine, "chk", checknet.range_name, _scenario(), "s.yaml")
    assert exercise.id is not None

    def target(slot: int, service: Service) -> ServiceTarget:
        return ServiceTarget(1, "blue", "box", service, slot, checknet.target_ip, checknet.checker)

    targets = [
        target(0, Service.model_validate({"name": "store", "port": 80, "checker": "store.py"})),
        target(1, Service.model_validate({"name": "ssh", "port": 22, "check": "ssh"})),
        target(2, Service.model_validate({"name": "web", "port": 8080, "check": "http"})),
    ]
    checks = TickChecks(engine, checknet.backend, checknet.range_name, targets,
                        {"store.py": STORE}, 10.0, sessions=sessions)  # fmt: skip
    assert checks.prepare() == {}
    for tick in (1, 2):
        results = {
            r.target.service.name: r for r in checks.run_tick(exercise.id, exercise.secret, tick)
        }
        assert results["store"].status is CheckStatus.OK
        assert results["ssh"].status is CheckStatus.OK
        assert results["web"].status is CheckStatus.DOWN  # nothing on 8080
    assert [p.action for p in results["store"].phases] == ["put", "get", "check"]
    with Session(engine) as session:
        facts = session.exec(select(Fact).where(Fact.exercise_id == exercise.id)).all()
    checks_facts = [f for f in facts if f.kind is FactKind.CHECK]
    assert len(checks_facts) == 6
    assert {(f.tick, f.service, f.outcome) for f in checks_facts} >= {
        (2, "store", "OK"),
        (2, "web", "DOWN"),
    }
    assert len([f for f in facts if f.kind is FactKind.FLAG_PLACED]) == 2
