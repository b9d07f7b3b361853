"""The demo's scripted defender shares the attacker's address with the ISAC."""

from __future__ import annotations

from typing import cast

from sqlalchemy.engine import Engine

from cyberrange.defender import ScriptedDefender
from range.backends.base import Backend
from range.planner import make_plan
from records.sharing.audience import Caller
from records.sharing.feed import read_page
from scoring.exercise import get_exercise
from scoring.ledger import facts, record_red_action
from scoring.tables import Exercise, FactKind
from tests.unit.sharing.sharing_world import ATTACKER, EXERCISE, sharing_scenario


def test_defender_shares_the_attacker_and_scores(engine: Engine, exercise: Exercise) -> None:
    record_red_action(engine, get_exercise(engine, EXERCISE), "red", "blue-1", "web", "T1190")
    plan = make_plan(sharing_scenario(), EXERCISE)
    # share() runs no command on the range: no backend is needed.
    defender = ScriptedDefender(engine, cast(Backend, None), plan, EXERCISE, "blue-1")
    defender.share()
    received = read_page(engine, EXERCISE, Caller("ines", "isac")).entries
    assert [e.body["pattern"] for e in received] == [f"[ipv4-addr:value = '{ATTACKER}']"]
    assert [e.publisher for e in received] == ["blue-1"] and received[0].tlp == "GREEN"
    assert exercise.id is not None
    matched = facts(engine, exercise.id, kinds=[FactKind.SHARE_MATCH])
    assert [(f.team, f.points) for f in matched] == [("blue-1", 5.0)]
