"""Which exercise a redeployed range plays: game content, the keep/create/replace rule."""

from __future__ import annotations

from typing import Any

import pytest
from game_helpers import scenario_dict  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from range.errors import GameError
from range.scenario.models import Scenario
from scoring.exercise import create_exercise, snapshot, transition
from scoring.game_content import differences, game_content
from scoring.succession import Choice, carry_out, decide, end_with_range, next_name
from scoring.tables import Exercise, ExerciseState, Fact, FactKind, TeamEntry, utcnow


def snap(**overrides: Any) -> dict[str, Any]:
    return snapshot(Scenario.model_validate(scenario_dict(**overrides)))


def test_infrastructure_changes_are_not_game_content() -> None:
    base = snap()
    hosts = scenario_dict()["hosts"]
    hosts["box"] |= {"image": "cyberrange/web", "limits": {"memory": "512m"}}
    hosts["plain"] = {"image": "cyberrange/base", "networks": ["lan"]}
    other = snap(
        title="Renamed",
        description="new words",
        networks={"lan": {"subnet": "10.{copy}.9.0/24"}},
        hosts=hosts,
    )
    assert game_content(base) == game_content(other)
    assert differences(base, other) == []


def test_differences_name_what_changed() -> None:
    teams = scenario_dict()["teams"]
    teams[1] = {"name": "blue", "role": "blue", "copies": 4}
    changed = snap(tick=20, duration=120, teams=teams, scoring={"formula": "points"})
    assert differences(snap(), changed) == [
        "duration 1m → 2m",
        "tick 10s → 20s",
        "blue copies 2 → 4",
        "scoring",
    ]
    hosts = scenario_dict()["hosts"]
    hosts["box"]["flags"] = [{"path": "/root/flag.txt", "points": 50}]
    assert differences(snap(), snap(hosts=hosts)) == ["services, flags or vulnerabilities"]


def test_host_order_is_game_content() -> None:
    """Service slots (and so signed flags) follow the hosts' file order."""
    service = [{"name": "ssh", "port": "22/tcp", "check": "tcp"}]
    one = {"a": {"image": "x", "networks": ["lan"], "services": service},
           "b": {"image": "x", "networks": ["lan"], "services": service}}  # fmt: skip
    two = {"b": one["b"], "a": one["a"]}
    assert differences(snap(hosts=one), snap(hosts=two)) != []


def test_next_name_never_takes_a_used_name() -> None:
    assert next_name("demo", set()) == "demo"
    assert next_name("demo", {"demo"}) == "demo.2"
    assert next_name("demo", {"demo", "demo.2", "demo.3"}) == "demo.4"


def _exercise(state: ExerciseState, **overrides: Any) -> Exercise:
    return Exercise(
        name="demo", range_name="demo", scenario_path="s.yaml", scenario=snap(**overrides),
        secret=b"s" * 32, tick_seconds=10, duration_seconds=60, flag_lifetime=3, state=state,
    )  # fmt: skip


@pytest.mark.parametrize("state", list(ExerciseState))
def test_same_game_is_kept_in_every_state(state: ExerciseState) -> None:
    """Repair never depends on the exercise's state, a finished one included."""
    decided = decide("demo", _exercise(state), snap(title="x"), False, {"demo"})
    assert (decided.choice, decided.name) == (Choice.KEEP, "demo")


def test_first_up_creates_the_range_exercise() -> None:
    decided = decide("demo", None, snap(), True, set())
    assert (decided.choice, decided.name, decided.previous) == (Choice.CREATE, "demo", None)


@pytest.mark.parametrize("state", [ExerciseState.CREATED, ExerciseState.FINISHED])
def test_changed_game_or_down_range_replaces(state: ExerciseState) -> None:
    changed = decide("demo", _exercise(state), snap(tick=20), False, {"demo"})
    assert (changed.choice, changed.name, changed.previous) == (Choice.REPLACE, "demo.2", "demo")
    assert changed.changes == ("tick 10s → 20s",) and not changed.after_down
    after_down = decide("demo", _exercise(state), snap(), True, {"demo", "demo.2"})
    assert (after_down.choice, after_down.name) == (Choice.REPLACE, "demo.3")
    assert after_down.after_down and after_down.changes == ()


@pytest.mark.parametrize("state", [ExerciseState.RUNNING, ExerciseState.PAUSED])
def test_a_live_game_is_never_replaced(state: ExerciseState) -> None:
    with pytest.raises(GameError, match=r"exercise demo, which is .*tick 10s → 20s.*stop it"):
        decide("demo", _exercise(state), snap(tick=20), False, {"demo"})
    with pytest.raises(GameError, match="the range was taken down"):
        decide("demo", _exercise(state), snap(), True, {"demo"})


def test_replacing_stops_an_unstarted_exercise_and_keeps_its_rows(engine: Engine) -> None:
    scenario = Scenario.model_validate(scenario_dict())
    old = create_exercise(engine, "demo", "demo", scenario, "s.yaml")
    wider = scenario.with_copies(3)
    with Session(engine) as session:
        current = session.get(Exercise, old.id)
        decided = decide("demo", current, snapshot(wider), False, {"demo"})
        new = carry_out(session, decided, "demo", wider, "s.yaml", "cli:t", utcnow())
        session.commit()
        assert new.name == "demo.2" and new.secret != old.secret
        teams = session.exec(select(TeamEntry.name).where(TeamEntry.exercise_id == new.id)).all()
        assert {"blue-1", "blue-2", "blue-3"} <= set(teams)
        kept = session.get(Exercise, old.id)
        assert kept is not None and kept.state is ExerciseState.FINISHED
        stop = session.exec(select(Fact).where(Fact.exercise_id == old.id)).one()
        assert (stop.kind, stop.outcome, stop.actor) == (FactKind.STATE, "finished", "cli:t")


def test_down_ends_the_range_exercise_once(engine: Engine) -> None:
    scenario = Scenario.model_validate(scenario_dict())
    create_exercise(engine, "demo", "demo", scenario, "s.yaml")
    transition(engine, "demo", "start", "cli:t")
    with Session(engine) as session:
        stopped = end_with_range(session, "demo", "cli:t", utcnow())
        session.commit()
        assert stopped is not None and stopped.name == "demo"
        assert end_with_range(session, "demo", "cli:t", utcnow()) is None


def test_an_exercise_is_never_started_on_other_game_content(engine: Engine) -> None:
    scenario = Scenario.model_validate(scenario_dict())
    create_exercise(engine, "demo", "demo", scenario, "s.yaml")
    with pytest.raises(GameError, match=r"another version of the scenario \(blue copies 2 → 5\)"):
        create_exercise(engine, "demo", "demo", scenario, "s.yaml", copies=5)


def test_a_finished_exercise_points_at_its_successor(engine: Engine) -> None:
    scenario = Scenario.model_validate(scenario_dict())
    create_exercise(engine, "demo", "demo", scenario, "s.yaml")
    transition(engine, "demo", "stop", "cli:t")
    create_exercise(engine, "demo.2", "demo", scenario, "s.yaml")
    with pytest.raises(GameError, match=r"range demo now plays exercise 'demo\.2'"):
        create_exercise(engine, "demo", "demo", scenario, "s.yaml")


def test_a_model_key_added_since_the_snapshot_is_no_change() -> None:
    """Snapshots written by older versions lack keys that have a default today."""
    current = _exercise(ExerciseState.FINISHED)
    del current.scenario["hosts"]["box"]["services"][0]["expect_status"]
    del current.scenario["scoring"]
    assert differences(current.scenario, snap()) != []  # raw, they differ
    decided = decide("demo", current, snap(), False, {"demo"})
    assert decided.choice is Choice.KEEP
