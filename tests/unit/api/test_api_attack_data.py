"""The attack data endpoint: flag ids of the flags still valid, per service, team and tick."""

from __future__ import annotations

from sqlalchemy import update

from range.planner import make_plan
from range.scenario.models import Scenario
from scoring.checkers.runner import flag_fact, insert_facts
from scoring.checkers.targets import ServiceTarget, service_targets
from scoring.tables import Exercise
from tests.unit.api.conftest import ApiWorld, X


def _set_tick(world: ApiWorld, tick: int) -> None:
    table = Exercise.__table__  # type: ignore[attr-defined]
    with world.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == world.exercise.id).values(current_tick=tick))


def test_attackers_read_the_flag_ids_still_valid(world: ApiWorld) -> None:
    exercise = world.exercise
    assert exercise.id is not None
    lifetime = exercise.flag_lifetime
    target = next(t for t in _targets(world) if t.copy == 1)
    facts = [flag_fact(exercise.id, tick, target, f"FLAG{{t{tick}}}", f"user-{tick}")
             for tick in range(1, lifetime + 3)]  # fmt: skip
    insert_facts(world.engine, facts)
    now = lifetime + 2
    _set_tick(world, now)
    for role in ("red", "white", "auditor"):
        response = world.as_role(role).get(f"{X}/attack-data")
        assert response.status_code == 200, (role, response.json)
    answer = world.as_role("red").get(f"{X}/attack-data").json
    assert answer is not None and answer["tick"] == now
    label = f"{target.host}/{target.service.name}"
    # faust: a flag of tick p is valid through p + lifetime - 1: ticks now-lifetime+1..now
    expected = {str(t): [f"user-{t}"] for t in range(now - lifetime + 1, now + 1)}
    assert answer["services"] == {label: {target.team: expected}}
    assert "FLAG{" not in str(answer)  # ids only, never the flags


def test_blue_teams_do_not_read_attack_data(world: ApiWorld) -> None:
    assert world.as_role("blue").get(f"{X}/attack-data").status_code == 403


def _targets(world: ApiWorld) -> list[ServiceTarget]:
    scenario = Scenario.model_validate(world.exercise.scenario)
    return [t for t in service_targets(make_plan(scenario, "r"), scenario) if t.service.checker]
