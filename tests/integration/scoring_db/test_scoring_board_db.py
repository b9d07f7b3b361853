"""Scoreboard, explain, freeze, reports and the ledger on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from conftest import MakeExercise, set_tick
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from range.errors import NotFoundError, RecordError
from scoring import ledger
from scoring.flags import FlagCodec
from scoring.formulas import FORMULAS
from scoring.formulas.base import CATEGORIES
from scoring.reports import override_match, record_report, report_points
from scoring.score_tables import ScoreSnapshot
from scoring.scoreboard import compute_scoreboard, drop_snapshots, explain, recompute
from scoring.submissions import Submitter
from scoring.tables import Exercise, ExerciseState, FactKind

pytestmark = pytest.mark.postgres
DEFENDERS = ("blue-1", "blue-2", "purple")


def play_tick(db: Engine, exercise: Exercise, tick: int, submitter: Submitter) -> None:
    """One tick of a small game: checks for every defender, a few captures, extras."""
    assert exercise.id is not None
    codec = FlagCodec(exercise.secret, exercise.id)
    set_tick(db, exercise, tick)
    for copy, team in enumerate(DEFENDERS, start=1):
        status = "ok" if (tick + copy) % 3 else "down"
        ledger.record_check(db, exercise, team, "web", "shop", status, tick=tick)
        ledger.record_check(db, exercise, team, "web", "api", "ok", tick=tick)
    submitter.submit("red", [codec.service_flag(tick, 1 + tick % 3, tick % 2)])
    submitter.submit(
        "purple", [codec.service_flag(tick, 1, 0), codec.service_flag(max(0, tick - 1), 2, 1)]
    )
    if tick == 2:
        submitter.submit("red", [codec.objective_flag(2, 0)])
        ledger.record_hint(db, exercise, "blue-2", "h1", 5, actor="white", tick=tick)
        ledger.record_adjustment(db, exercise, "blue-1", 3, actor="white", reason="fair play")


@pytest.mark.parametrize("formula", sorted(FORMULAS))
def test_incremental_equals_full_recompute(
    db: Engine, make_exercise: MakeExercise, formula: str
) -> None:
    exercise = make_exercise(current_tick=0, formula=formula)
    submitter = Submitter(db, exercise.name)
    for tick in range(0, 8):
        play_tick(db, exercise, tick, submitter)
        board = compute_scoreboard(db, exercise.name)  # saves snapshots of complete ticks
        assert board.tick == tick and not board.frozen
        assert [h[0] for h in board.history] == list(range(0, tick + 1))
    full = recompute(db, exercise.name).totals()
    for team in board.teams:
        assert team.categories == pytest.approx(full[team.name], abs=1e-6)
    drop_snapshots(db, exercise.name)
    again = compute_scoreboard(db, exercise.name)
    rebuilt = {t.name: t.total for t in again.teams}
    assert rebuilt == pytest.approx({t.name: t.total for t in board.teams})
    assert board.services["blue-1"] == {"web/shop": "OK", "web/api": "OK"}


def test_explain_sums_to_board(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=0)
    submitter = Submitter(db, exercise.name)
    for tick in range(0, 5):
        play_tick(db, exercise, tick, submitter)
    board = compute_scoreboard(db, exercise.name)
    for team in board.teams:
        for category in CATEGORIES:
            lines = explain(db, exercise.name, team.name, category)
            total = sum(line.points for line in lines)
            assert total == pytest.approx(team.categories[category], abs=1e-5), (team, category)
    red_lines = explain(db, exercise.name, "red", "attack")
    assert all(line.fact_id is not None for line in red_lines)
    assert any("first blood" in line.reason for line in red_lines)


def test_ranks_and_snapshots_are_reused(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=0)
    submitter = Submitter(db, exercise.name)
    for tick in range(0, 4):
        play_tick(db, exercise, tick, submitter)
    first = compute_scoreboard(db, exercise.name)
    with db.connect() as conn:
        count = conn.execute(select(func.count()).select_from(ScoreSnapshot)).scalar_one()
    second = compute_scoreboard(db, exercise.name)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ScoreSnapshot)).scalar_one() == count
    assert first == second
    totals = [t.total for t in first.teams]
    assert totals == sorted(totals, reverse=True)
    assert first.teams[0].rank == 1
    assert "white" not in {t.name for t in first.teams}


def test_freeze_hides_late_ticks_from_teams_only(db: Engine, make_exercise: MakeExercise) -> None:
    # 10 minutes, 30 s ticks, freeze 2 minutes before the end (480 s, when tick 17
    # begins): ticks from 17 on are hidden
    exercise = make_exercise(current_tick=14)
    assert exercise.id is not None
    codec = FlagCodec(exercise.secret, exercise.id)
    submitter = Submitter(db, exercise.name)
    submitter.submit("red", [codec.service_flag(14, 1, 0)])
    set_tick(db, exercise, 17)
    submitter.submit("red", [codec.service_flag(17, 2, 0)])
    white = compute_scoreboard(db, exercise.name, viewer_role="white")
    blue = compute_scoreboard(db, exercise.name, viewer_role="blue")
    assert not white.frozen and white.tick == 17
    assert blue.frozen and blue.tick == 16
    red_white = next(t for t in white.teams if t.name == "red")
    red_blue = next(t for t in blue.teams if t.name == "red")
    assert red_white.total > red_blue.total > 0
    assert blue.history[-1][0] == 16
    auditor = compute_scoreboard(db, exercise.name, viewer_role="auditor")
    assert auditor.teams == white.teams
    at_16 = compute_scoreboard(db, exercise.name, frozen_at_tick=16)
    assert at_16.frozen and at_16.teams == blue.teams
    set_tick(db, exercise, 20, ExerciseState.FINISHED)
    assert compute_scoreboard(db, exercise.name, viewer_role="red").tick == 16


def test_report_matching(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=10)
    action = ledger.record_red_action(db, exercise, "red", "blue-1", "web", "T1059.004", tick=10)
    ledger.record_red_action(db, exercise, "red", "blue-2", "web", "T1059.004", tick=10)
    set_tick(db, exercise, 14)
    # other host, other technique, other team: no match
    assert record_report(db, exercise, "blue-1", "db", "T1059", tick=11) is None
    assert record_report(db, exercise, "blue-1", "web", "T1190", tick=11) is None
    # the deadline is 90 s = 3 ticks of 30 s: tick 14 is too late
    assert record_report(db, exercise, "blue-1", "web", "T1059", tick=14) is None
    match = record_report(db, exercise, "blue-1", "web", "T1059", tick=13, report_ref="IR-1")
    assert match is not None and match.action_id == action and match.points == 10
    assert record_report(db, exercise, "blue-1", "web", "T1059.004", tick=13) is None  # used
    board = compute_scoreboard(db, exercise.name)
    assert next(t for t in board.teams if t.name == "blue-1").categories["reports"] == 10
    # white team override: reject, then accept with 4 points; facts only, never deleted
    override_match(db, exercise, "blue-1", "IR-1", accept=False, actor="white", reason="dup")
    assert report_points(db, exercise, "blue-1", "IR-1") == 0
    override_match(db, exercise, "blue-1", "IR-1", accept=True, points=4, actor="w", reason="ok")
    assert (
        override_match(
            db, exercise, "blue-1", "IR-1", accept=True, points=4, actor="w", reason="again"
        )
        is None
    )
    assert report_points(db, exercise, "blue-1", "IR-1") == 4
    matches = ledger.facts(db, exercise.id or 0, kinds=[FactKind.REPORT_MATCH])
    assert [m.points for m in matches] == [10, -10, 4]
    with pytest.raises(RecordError):
        override_match(db, exercise, "blue-1", "IR-1", accept=True, actor="w", reason=" ")


def test_ledger_append_only_helpers(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=3)
    assert exercise.id is not None
    ledger.record_hint(db, exercise, "blue-1", "h1", 5, actor="white")
    with pytest.raises(RecordError, match="no hint"):
        ledger.record_hint(db, exercise, "blue-1", "nope", actor="white")
    ledger.record_hint(db, exercise, "blue-2", "sqli", actor="white")  # the scenario's penalty
    assert ledger.facts(db, exercise.id, kinds=[FactKind.HINT], team="blue-2")[0].points == -7
    ledger.record_inject_grade(db, exercise, "blue-1", "inject-1", 7, actor="white", tick=2)
    with pytest.raises(RecordError, match="reason"):
        ledger.record_adjustment(db, exercise, "blue-1", 1, actor="white", reason="")
    with pytest.raises(RecordError, match="status"):
        ledger.record_check(db, exercise, "blue-1", "web", "shop", "fine")
    hints = ledger.facts(db, exercise.id, kinds=[FactKind.HINT], team="blue-1")
    assert [(h.tick, h.points) for h in hints] == [(3, -5)]
    assert len(ledger.facts(db, exercise.id, ticks=(0, 2))) == 1
    with pytest.raises(NotFoundError):
        ledger.load_exercise(db, "no-such-exercise")


def test_late_fact_in_a_saved_tick_is_counted(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=0)
    submitter = Submitter(db, exercise.name)
    for tick in range(0, 6):
        play_tick(db, exercise, tick, submitter)
    before = compute_scoreboard(db, exercise.name)  # snapshots of ticks 0..4 saved
    ledger.record_adjustment(db, exercise, "blue-2", 11, actor="white", reason="late", tick=2)
    after = compute_scoreboard(db, exercise.name)
    totals = {t.name: t.categories["adjustments"] for t in after.teams}
    old = {t.name: t.categories["adjustments"] for t in before.teams}
    assert totals["blue-2"] == old["blue-2"] + 11
    assert after.history[2][1]["blue-2"] == pytest.approx(before.history[2][1]["blue-2"] + 11)
    full = recompute(db, exercise.name).totals()
    assert {t.name: t.total for t in after.teams} == pytest.approx(
        {name: sum(cats.values()) for name, cats in full.items()}
    )
