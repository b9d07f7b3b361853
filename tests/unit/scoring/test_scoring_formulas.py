"""Each formula against small fact lists computed by hand (see the comments)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from range.errors import NotFoundError
from scoring.formulas import FORMULAS, new_accumulator
from scoring.formulas.base import (
    CATEGORIES,
    Catalog,
    FactRow,
    GameParams,
    ObjectiveSlot,
    ServiceSlot,
    TeamRef,
)
from scoring.tables import FactKind

TEAMS = (
    TeamRef("red", "red", 0),
    TeamRef("blue-1", "blue", 1),
    TeamRef("blue-2", "blue", 2),
    TeamRef("purple", "purple", 3),
)
CATALOG = Catalog(
    services=(ServiceSlot("web", "shop"), ServiceSlot("web", "api")),
    objectives=(ObjectiveSlot("web", "/root/flag.txt", 100),),
)


def params(**kwargs: Any) -> GameParams:
    base: dict[str, Any] = {
        "teams": TEAMS,
        "catalog": CATALOG,
        "flag_lifetime": 3,
        "tick_seconds": 30,
    }
    base.update(kwargs)
    return GameParams(**base)


def capture(
    fid: int, tick: int, team: str, owner: str, slot: int, flag_tick: int = 1, kind: str = "service"
) -> FactRow:
    copy = {t.name: t.copy for t in TEAMS}[owner]
    service = CATALOG.services[slot].name if kind == "service" else "/root/flag.txt"
    data = {"kind": kind, "flag_tick": flag_tick, "copy": copy, "slot": slot}
    return FactRow(fid, tick, FactKind.CAPTURE, team, owner, "web", service, "accepted", None, data)


def check(fid: int, tick: int, team: str, outcome: str, service: str = "shop") -> FactRow:
    return FactRow(fid, tick, FactKind.CHECK, team, None, "web", service, outcome, None, {})


def points_fact(fid: int, tick: int, kind: FactKind, team: str, points: float) -> FactRow:
    target = team if kind is FactKind.ADJUSTMENT else None
    return FactRow(fid, tick, kind, team, target, None, None, None, points, {})


# Flag A: blue-1's shop flag of tick 1, captured by red (tick 1) and purple (tick 2).
# Flag B: blue-2's api flag of tick 1, captured by red only.
FACTS = {
    1: [
        capture(1, 1, "red", "blue-1", 0),
        capture(2, 1, "red", "blue-2", 1),
        check(3, 1, "blue-1", "ok"),
        check(4, 1, "blue-2", "ok"),
    ],
    2: [
        capture(5, 2, "purple", "blue-1", 0),
        check(6, 2, "blue-1", "recovering"),
        points_fact(7, 2, FactKind.HINT, "blue-1", -3),
        points_fact(8, 2, FactKind.ADJUSTMENT, "blue-2", 4),
        points_fact(9, 2, FactKind.REPORT_MATCH, "blue-1", 10),
        points_fact(10, 2, FactKind.INJECT_GRADE, "blue-2", 7),
    ],
    3: [check(11, 3, "blue-1", "down")],
}


def run(name: str, game: GameParams, record: bool = False, ticks: range = range(0, 5)) -> Any:
    acc = new_accumulator(name, game, record=record)
    for tick in ticks:
        acc.apply_tick(tick, FACTS.get(tick, []))
    return acc


def test_faust_hand_computed() -> None:
    totals = run("faust", params()).totals()
    # red: A with 2 capturers 1 + 1/2 = 1.5, B alone 1 + 1/1 = 2
    assert totals["red"]["attack"] == pytest.approx(3.5)
    assert totals["purple"]["attack"] == pytest.approx(1.5)
    # blue-1 lost A to 2 teams: -(2 ** 0.75) = -1.681793; blue-2 lost B to 1: -1
    assert totals["blue-1"]["defense"] == pytest.approx(-1.681793, abs=1e-6)
    assert totals["blue-2"]["defense"] == pytest.approx(-1.0)
    # SLA: N = 4 teams, sqrt(4) = 2; blue-1 ok + recovering + down = (1 + 0.5) * 2 = 3
    assert totals["blue-1"]["availability"] == pytest.approx(3.0)
    assert totals["blue-2"]["availability"] == pytest.approx(2.0)
    assert totals["blue-1"]["hints"] == -3
    assert totals["blue-1"]["reports"] == 10
    assert totals["blue-2"]["adjustments"] == 4
    assert totals["blue-2"]["injects"] == 7


def test_faust_first_blood_once_per_slot() -> None:
    totals = run("faust", params(first_blood=5)).totals()
    # red took the first capture of slot 0 and of slot 1: 3.5 + 5 + 5
    assert totals["red"]["attack"] == pytest.approx(13.5)
    assert totals["purple"]["attack"] == pytest.approx(1.5)  # second on slot 0: no bonus


def test_faust_category_weights() -> None:
    totals = run("faust", params(weights={"attack": 2, "availability": 0.5})).totals()
    assert totals["red"]["attack"] == pytest.approx(7.0)  # 3.5 * 2
    assert totals["blue-1"]["availability"] == pytest.approx(1.5)  # 3 * 0.5


def test_faust_settles_expired_flags_without_changing_totals() -> None:
    acc = run("faust", params(), ticks=range(0, 3))
    assert len(acc.live) == 2  # flags of tick 1 stay submittable through tick 3
    acc.apply_tick(3, FACTS[3])  # 1 + lifetime 3 <= 3 + 1: final now
    assert acc.live == {}
    assert acc.totals() == run("faust", params(), ticks=range(0, 4)).totals()


def test_forcad_exchange_hand_computed() -> None:
    game = params()
    facts = [
        capture(1, 1, "red", "blue-1", 0),
        capture(2, 1, "red", "blue-2", 0),
        check(3, 1, "blue-1", "ok"),
        check(4, 2, "blue-1", "down"),
    ]
    acc = new_accumulator("forcad", game)
    acc.apply_tick(1, facts[:3])
    acc.apply_tick(2, facts[3:])
    totals = acc.totals()
    # scale = 50 * sqrt(10) = 158.113883, norm = ln(ln 10) / 12 = 0.0695027
    # 1st: equal scores 2500/2500: gain = 158.113883 / (1 + e^0) = 79.056942
    # 2nd: red's shop score 2579.056942: sqrt = 50.784416; (50.784416 - 50) * norm = 0.054520
    #      gain = 158.113883 / (1 + e^0.054520) = 76.902420
    assert totals["red"]["attack"] == pytest.approx(79.056942 + 76.902420, abs=1e-5)
    assert totals["blue-1"]["defense"] == pytest.approx(-79.056942, abs=1e-5)
    # blue-1 shop: score 2420.943058, SLA 1 of 2 checks: total 1210.471529
    # availability = 1210.471529 - (-79.056942) = 1289.528471
    assert totals["blue-1"]["availability"] == pytest.approx(1289.528471, abs=1e-5)
    assert sum(totals["blue-1"].values()) == pytest.approx(1210.471529, abs=1e-5)


def test_forcad_without_inflation_caps_gain_at_loss() -> None:
    game = params(weights={"forcad_default": 50, "forcad_inflation": 0})
    acc = new_accumulator("forcad", game)
    acc.apply_tick(1, [capture(1, 1, "red", "blue-1", 0)])
    # gain would be 79.056942 but the victim only has 50: loss -50, gain min(79.06, 50)
    assert acc.totals()["red"]["attack"] == pytest.approx(50.0)
    assert acc.totals()["blue-1"]["defense"] == pytest.approx(-50.0)


def test_points_table() -> None:
    game = params(weights={"capture": 10, "loss": 0.5, "sla": 2})
    acc = new_accumulator("points", game)
    acc.apply_tick(
        1,
        [
            capture(1, 1, "red", "blue-1", 0),
            capture(2, 1, "red", "blue-2", 0, flag_tick=0, kind="objective"),
            check(3, 1, "blue-1", "ok"),
            check(4, 1, "blue-2", "recovering"),
        ],
    )
    totals = acc.totals()
    assert totals["red"]["attack"] == 110  # 10 (service) + 100 (objective's scenario points)
    assert totals["blue-1"]["defense"] == -5  # 10 * 0.5
    assert totals["blue-2"]["defense"] == -50  # 100 * 0.5
    assert totals["blue-1"]["availability"] == 2  # ok: 1 * sla 2
    assert totals["blue-2"]["availability"] == 1  # recovering: 0.5 * 2


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_explain_lines_sum_to_totals(name: str) -> None:
    acc = run(name, params(first_blood=2), record=True)
    totals = acc.totals()
    for team in totals:
        for category in CATEGORIES:
            lines = [ln for ln in acc.all_lines() if ln.team == team and ln.category == category]
            assert sum(ln.points for ln in lines) == pytest.approx(totals[team][category])


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_state_round_trip_equals_full_run(name: str) -> None:
    game = params(first_blood=2)
    first = run(name, game, ticks=range(0, 2))
    saved = first.state()
    text = json.dumps(saved)
    first.apply_tick(2, FACTS[2])  # moving on must not change a state already taken
    assert json.dumps(saved) == text
    resumed = new_accumulator(name, game)
    resumed.load_state(json.loads(text))
    for tick in range(2, 5):
        resumed.apply_tick(tick, FACTS.get(tick, []))
    full = run(name, game)
    for team, cats in resumed.totals().items():
        assert cats == pytest.approx(full.totals()[team])
        assert resumed.service_totals()[team] == pytest.approx(full.service_totals()[team])


def test_white_team_never_scored_and_unknown_formula_refused() -> None:
    assert "white" not in run("faust", params()).totals()
    with pytest.raises(NotFoundError, match="unknown scoring formula"):
        new_accumulator("nope", params())


@pytest.mark.parametrize("name", ["faust", "forcad", "points"])
def test_check_failed_is_never_blamed_on_the_team(name: str) -> None:
    """A tick whose check failed in the checker scores like an ok tick (FAUST, points)
    or does not count at all (ForcAD's SLA ratio): never like a down service."""

    def availability(outcomes: list[str]) -> float:
        acc = new_accumulator(name, params())
        for tick, outcome in enumerate(outcomes, start=1):
            acc.apply_tick(tick, [check(tick, tick, "blue-1", outcome)])
        return float(acc.totals()["blue-1"]["availability"])

    failed = availability(["ok", "check_failed", "ok"])
    assert failed > availability(["ok", "down", "ok"])
    if name == "forcad":
        assert failed == pytest.approx(availability(["ok", "ok"]))
    else:
        assert failed == pytest.approx(availability(["ok", "ok", "ok"]))


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_service_points_add_up_to_the_service_categories(name: str) -> None:
    """Per team, the points per service sum to attack + defense + availability
    (no red actions here: every point of those categories is a capture or a check)."""
    acc = run(name, params(first_blood=2), record=True)
    totals, services = acc.totals(), acc.service_totals()
    for team, cats in totals.items():
        played = cats["attack"] + cats["defense"] + cats["availability"]
        assert sum(services[team].values()) == pytest.approx(played), team
        for label, points in services[team].items():  # explain lines carry the service
            lines = [ln for ln in acc.all_lines() if ln.team == team and ln.service == label]
            assert sum(ln.points for ln in lines) == pytest.approx(points), (team, label)


def test_faust_points_per_service_hand_computed() -> None:
    services = run("faust", params()).service_totals()
    assert services["red"] == pytest.approx({"web/shop": 1.5, "web/api": 2.0})
    assert services["purple"] == pytest.approx({"web/shop": 1.5})
    # blue-1: lost A (-1.681793) and its shop checks earned (1 + 0.5) * 2 = 3
    assert services["blue-1"] == pytest.approx({"web/shop": 3.0 - 1.681793}, abs=1e-6)
    assert services["blue-2"] == pytest.approx({"web/shop": 2.0, "web/api": -1.0})


def test_forcad_shows_zero_for_a_defended_service_without_checks() -> None:
    """As ForcAD: score x SLA with no checks is 0, whatever was captured from it."""
    acc = new_accumulator("forcad", params())
    acc.apply_tick(1, [capture(1, 1, "red", "blue-2", 1), check(2, 1, "blue-1", "ok")])
    totals, services = acc.totals(), acc.service_totals()
    assert services["blue-2"] == {"web/api": 0.0}
    assert sum(totals["blue-2"].values()) == pytest.approx(0.0)
    assert totals["blue-2"]["defense"] < 0  # the loss is still shown as defense
    assert services["blue-1"] == pytest.approx({"web/shop": 2500.0})
    assert services["red"]["web/api"] == pytest.approx(79.056942, abs=1e-5)  # attack only
