"""Shared indicators scored against red actions through the ledger."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from records.sharing.audience import Caller
from records.sharing.feed import publish
from records.sharing.indicators import indicator_terms
from records.sharing.tlp import Tlp
from scoring.exercise import get_exercise
from scoring.ledger import facts, record_red_action
from scoring.scoreboard import compute_scoreboard, explain
from scoring.sharing import score_shared
from scoring.tables import Exercise, FactKind
from tests.unit.sharing.sharing_world import ATTACKER, EXERCISE, indicator


def attack(engine: Engine, target: str = "blue-1", tick: int = 1) -> int:
    return record_red_action(engine, get_exercise(engine, EXERCISE), "red", target, "web",
                             "T1190", tick=tick)


def share_points(engine: Engine, exercise: Exercise) -> list[float]:
    assert exercise.id is not None
    return [f.points or 0.0 for f in facts(engine, exercise.id, kinds=[FactKind.SHARE_MATCH])]


def test_attacker_address_shared_in_time_scores_once(engine: Engine, exercise: Exercise) -> None:
    action = attack(engine)
    first = publish(engine, EXERCISE, Caller("bob", "blue-1"), [indicator(Tlp.AMBER)])
    assert [(m.action_id, m.points) for m in first.matches] == [(action, 5.0)]
    assert "address 198.51.100.10" in first.matches[0].why
    again = publish(engine, EXERCISE, Caller("bob", "blue-1"), [indicator(Tlp.AMBER)])
    assert again.matches == []  # the action is credited once per team
    other = publish(engine, EXERCISE, Caller("bea", "blue-2"), [indicator(Tlp.GREEN)])
    assert other.matches == []  # red attacked blue-1's copy, not blue-2's
    assert share_points(engine, exercise) == [5.0]
    board = {t.name: t for t in compute_scoreboard(engine, EXERCISE).teams}
    lines = explain(engine, EXERCISE, "blue-1", "reports")
    assert [(ln.reason, ln.points) for ln in lines] == [("share_match", 5.0)]
    assert board["blue-1"].total >= 5.0


def test_false_wrong_technique_and_late_indicators_earn_nothing(
        engine: Engine, exercise: Exercise) -> None:
    attack(engine, tick=1)
    found = get_exercise(engine, EXERCISE)
    false_ip = indicator_terms(indicator(Tlp.GREEN, value="203.0.113.99"))
    wrong = indicator_terms(indicator(Tlp.GREEN, technique="T1566"))
    right = indicator_terms(indicator(Tlp.GREEN, technique="T1190"))
    assert score_shared(engine, found, "blue-1", [false_ip, wrong], actor="bob", tick=2) == []
    deadline_ticks = 600 // found.tick_seconds
    late = score_shared(engine, found, "blue-1", [right], actor="bob", tick=2 + deadline_ticks)
    assert late == []
    early = score_shared(engine, found, "blue-1", [right], actor="bob", tick=0)
    assert early == []  # shared before the action happened
    assert share_points(engine, exercise) == []
    in_time = score_shared(engine, found, "blue-1", [right], actor="bob", tick=1 + deadline_ticks)
    assert [m.points for m in in_time] == [5.0]


def test_technique_on_the_attacked_host_matches(engine: Engine, exercise: Exercise) -> None:
    attack(engine)
    web = indicator(Tlp.GREEN, technique="T1190",
                    pattern="[domain-name:value = 'web']")
    result = publish(engine, EXERCISE, Caller("bob", "blue-1"), [web])
    assert [m.why for m in result.matches] == ["technique T1190 on host web"]
    terms = indicator_terms(indicator(Tlp.GREEN, value=f"{ATTACKER}/32"))
    assert terms.addresses == frozenset({ATTACKER})
