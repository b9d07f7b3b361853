"""One tick of checks end to end (agent as a local process, real SQLite ledger)."""

from __future__ import annotations

from pathlib import Path

from game_helpers import scenario_dict  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from range.plan import ContainerPlan, Interface, NetworkPlan, Plan
from range.scenario.models import Scenario
from scoring.checkers.protocol import Executor
from scoring.checkers.runner import TickChecks
from scoring.checkers.status import CheckStatus
from scoring.checkers.targets import service_targets
from scoring.exercise import create_exercise
from scoring.flags import FlagCodec
from scoring.tables import Fact, FactKind

# A "service" kept in a folder: HOST is the folder, each flag a file named by its id.
STORE = """import os, sys
action, host = sys.argv[1], sys.argv[2]
if action == "check":
    sys.exit(101 if os.path.isdir(host) else 104)
flag_id, flag = sys.argv[3], sys.argv[4]
path = os.path.join(host, flag_id)
if action == "put":
    open(path, "w").write(flag)
    print("user-" + flag_id)
    sys.exit(101)
try:
    sys.exit(101 if open(path.replace("user-", "")).read() == flag else 102)
except FileNotFoundError:
    print("note is gone")
    sys.exit(102)
"""


def _plan(copies: int) -> Plan:
    networks = tuple(
        NetworkPlan(f"g-c{c}-lan", "lan", c, f"10.{c}.0.0/24", f"10.{c}.0.1")
        for c in range(1, copies + 1)
    )
    containers = tuple(
        ContainerPlan(
            f"g-c{c}-box", "box", c, "img", "box", (Interface(f"g-c{c}-lan", f"10.{c}.0.10"),)
        )
        for c in range(1, copies + 1)
    )
    return Plan("g", "gtest", copies, networks, containers)


def _scenario() -> Scenario:
    data = scenario_dict()
    data["hosts"]["box"]["services"] = [
        {"name": "store", "port": "80/tcp", "checker": "checkers/store.py"},
        {"name": "ssh", "port": "22/tcp", "check": "tcp"},
    ]
    return Scenario.model_validate(data)


def _facts(engine: Engine, kind: FactKind, tick: int) -> list[Fact]:
    with Session(engine) as session:
        query = select(Fact).where(Fact.kind == kind, Fact.tick == tick)
        return list(session.exec(query).all())


def test_targets_from_plan() -> None:
    targets = service_targets(_plan(2), _scenario())
    assert [(t.copy, t.team, t.service.name, t.slot, t.address, t.container) for t in targets] == [
        (1, "blue-1", "store", 0, "10.1.0.10", "g-c1-checker"),
        (1, "blue-1", "ssh", 1, "10.1.0.10", "g-c1-checker"),
        (2, "blue-2", "store", 0, "10.2.0.10", "g-c2-checker"),
        (2, "blue-2", "ssh", 1, "10.2.0.10", "g-c2-checker"),
    ]


def test_put_get_check_over_ticks(engine: Engine, local_executor: Executor, tmp_path: Path) -> None:
    scenario = _scenario()
    exercise = create_exercise(engine, "ex", "g", scenario, "s.yaml")
    assert exercise.id is not None
    store = tmp_path / "store"
    store.mkdir()
    targets = [
        t.__class__(**{**t.__dict__, "address": str(store)})
        for t in service_targets(_plan(1), scenario)
        if t.service.checker
    ]
    checks = TickChecks(engine, local_executor, "g", targets, {"checkers/store.py": STORE}, 5.0)

    [first] = checks.run_tick(exercise.id, exercise.secret, 1)
    assert first.status is CheckStatus.OK
    assert [p.action for p in first.phases] == ["put", "check"]  # nothing to get yet
    [placed] = _facts(engine, FactKind.FLAG_PLACED, 1)
    claims = FlagCodec(exercise.secret, exercise.id).decode(placed.data["flag"])
    assert (claims.tick, claims.copy, claims.slot) == (1, 1, 0)
    assert placed.data["flag_id"].startswith("user-")  # the id the checker printed
    assert placed.team == "blue-1"

    [second] = checks.run_tick(exercise.id, exercise.secret, 2)
    assert [p.action for p in second.phases] == ["put", "get", "check"]
    assert second.status is CheckStatus.OK

    for note in store.iterdir():  # the defenders wiped the service's data
        note.unlink()
    [third] = checks.run_tick(exercise.id, exercise.secret, 3)
    assert third.status is CheckStatus.CORRUPT and third.message == "note is gone"
    [fact] = _facts(engine, FactKind.CHECK, 3)
    assert (fact.outcome, fact.team, fact.host, fact.service) == (
        "CORRUPT",
        "blue-1",
        "box",
        "store",
    )
    assert fact.data["phase"] == "get" and fact.data["duration"] > 0
    assert [p["action"] for p in fact.data["phases"]] == ["put", "get", "check"]
    assert len(_facts(engine, FactKind.FLAG_PLACED, 3)) == 1  # the new put still worked


def test_one_exec_per_copy(engine: Engine, local_executor: Executor) -> None:
    scenario = Scenario.model_validate(scenario_dict())
    exercise = create_exercise(engine, "ex", "g", scenario, "s.yaml")
    assert exercise.id is not None
    targets = service_targets(_plan(3), _scenario())
    checks = TickChecks(engine, local_executor, "g", targets, {"checkers/store.py": STORE}, 2.0)
    results = checks.run_tick(exercise.id, exercise.secret, 1)
    assert len(results) == 6
    assert local_executor.calls == 3  # type: ignore[attr-defined]
    # The store checker finds no folder called 10.x.0.10 here: DOWN in every copy.
    assert {r.status for r in results if r.target.service.name == "store"} == {CheckStatus.DOWN}
    assert len(_facts(engine, FactKind.CHECK, 1)) == 6


def test_ticks_reuse_the_agent_sessions(engine: Engine, local_executor: Executor) -> None:
    """With agent sessions, a tick sends each copy's batch to its long-lived agent:
    no exec per copy and tick, one session per checker container for every tick."""
    from range.backends.exec_session import ProcessSession
    from scoring.checkers.sessions import AgentSessions

    opened: list[str] = []

    class Opener:
        def open_session(self, range_name: str, container: str, argv: list[str]) -> ProcessSession:
            opened.append(container)
            return ProcessSession(argv)

    scenario = Scenario.model_validate(scenario_dict())
    exercise = create_exercise(engine, "ex", "g", scenario, "s.yaml")
    assert exercise.id is not None
    targets = service_targets(_plan(2), _scenario())
    sessions = AgentSessions(Opener())
    checks = TickChecks(engine, local_executor, "g", targets, {"checkers/store.py": STORE}, 2.0,
                        sessions=sessions)  # fmt: skip
    try:
        for tick in (1, 2, 3):
            assert len(checks.run_tick(exercise.id, exercise.secret, tick)) == 4
    finally:
        checks.close()
    assert local_executor.calls == 0  # type: ignore[attr-defined]
    assert sorted(opened) == ["g-c1-checker", "g-c2-checker"]
    assert len(_facts(engine, FactKind.CHECK, 3)) == 4


def test_lost_old_flags_are_recovering_under_faust(
    engine: Engine, local_executor: Executor, tmp_path: Path
) -> None:
    """The defenders wiped the service's data: the new flag is stored and the check
    passes, only the previous tick's flag is gone — FAUST's RECOVERING, recorded."""
    scenario = _scenario()
    exercise = create_exercise(engine, "ex", "g", scenario, "s.yaml")
    assert exercise.id is not None
    store = tmp_path / "store"
    store.mkdir()
    targets = [
        t.__class__(**{**t.__dict__, "address": str(store)})
        for t in service_targets(_plan(1), scenario)
        if t.service.checker
    ]
    checks = TickChecks(engine, local_executor, "g", targets, {"checkers/store.py": STORE}, 5.0,
                        recovering=True)  # fmt: skip
    assert [r.status for r in checks.run_tick(exercise.id, exercise.secret, 1)] == [
        CheckStatus.OK
    ]
    for note in store.iterdir():
        note.unlink()
    [lost] = checks.run_tick(exercise.id, exercise.secret, 2)
    assert lost.status is CheckStatus.RECOVERING and "note is gone" in lost.message
    [fact] = _facts(engine, FactKind.CHECK, 2)
    assert fact.outcome == "RECOVERING"
    [again] = checks.run_tick(exercise.id, exercise.secret, 3)
    assert again.status is CheckStatus.OK  # the flag of tick 2 was stored again
