"""Live boards (fed only the facts newer than the last read) equal the full board."""

from __future__ import annotations

import pytest
from conftest import MakeExercise, set_tick
from sqlalchemy.engine import Engine
from test_scoring_board_db import play_tick  # type: ignore[import-not-found]

from scoring import ledger
from scoring.flags import FlagCodec
from scoring.formulas import FORMULAS
from scoring.liveboard import LiveBoards
from scoring.scoreboard import Scoreboard, compute_scoreboard, recompute
from scoring.submissions import Submitter
from scoring.tables import ExerciseState

pytestmark = pytest.mark.postgres


def same(live: Scoreboard, full: Scoreboard) -> None:
    assert (live.tick, live.frozen, live.formula) == (full.tick, full.frozen, full.formula)
    assert [(t.name, t.rank) for t in live.teams] == [(t.name, t.rank) for t in full.teams]
    for mine, theirs in zip(live.teams, full.teams, strict=True):
        assert mine.categories == pytest.approx(theirs.categories, abs=1e-6)
        assert mine.services == pytest.approx(theirs.services, abs=1e-6)
    assert live.services == full.services
    assert [h[0] for h in live.history] == [h[0] for h in full.history]
    assert live.history[-1][1] == pytest.approx(full.history[-1][1], abs=1e-6)


@pytest.mark.parametrize("formula", sorted(FORMULAS))
def test_live_board_follows_every_kind_of_new_fact(
    db: Engine, make_exercise: MakeExercise, formula: str
) -> None:
    exercise = make_exercise(current_tick=0, formula=formula)
    assert exercise.id is not None
    codec = FlagCodec(exercise.secret, exercise.id)
    submitter = Submitter(db, exercise.name)
    live = LiveBoards()
    for tick in range(0, 6):
        play_tick(db, exercise, tick, submitter)
        same(live.board(db, exercise.name), compute_scoreboard(db, exercise.name))
        # more facts of the running tick: fed on top of the entry
        submitter.submit("red", [codec.service_flag(tick, 2, 0), codec.objective_flag(3, 0)])
        ledger.record_check(db, exercise, "blue-2", "web", "shop", "down", tick=tick)
        same(live.board(db, exercise.name), compute_scoreboard(db, exercise.name))
    # a late fact of an earlier tick, and one of a tick not shown yet
    ledger.record_adjustment(db, exercise, "blue-2", 4, actor="white", reason="late", tick=2)
    ledger.record_adjustment(db, exercise, "red", 9, actor="white", reason="early", tick=7)
    same(live.board(db, exercise.name), compute_scoreboard(db, exercise.name))
    set_tick(db, exercise, 7)
    board = live.board(db, exercise.name)
    same(board, compute_scoreboard(db, exercise.name))
    full = recompute(db, exercise.name).totals()
    for team in board.teams:
        assert team.categories == pytest.approx(full[team.name], abs=1e-6)


def test_live_board_of_a_team_during_the_freeze(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=15)
    assert exercise.id is not None
    codec = FlagCodec(exercise.secret, exercise.id)
    submitter = Submitter(db, exercise.name)
    live = LiveBoards()
    submitter.submit("red", [codec.service_flag(15, 1, 0)])
    set_tick(db, exercise, 17)  # 2 m freeze of a 10 m game of 30 s ticks: from tick 17 on
    submitter.submit("red", [codec.service_flag(17, 2, 0)])
    for role in ("blue", "white", "blue"):
        same(live.board(db, exercise.name, viewer_role=role),
             compute_scoreboard(db, exercise.name, viewer_role=role))  # fmt: skip
    submitter.submit("purple", [codec.service_flag(17, 1, 1)])
    for role in ("blue", "white"):
        same(live.board(db, exercise.name, viewer_role=role),
             compute_scoreboard(db, exercise.name, viewer_role=role))  # fmt: skip
    set_tick(db, exercise, 20, ExerciseState.FINISHED)
    same(live.board(db, exercise.name), compute_scoreboard(db, exercise.name))


def test_live_board_rolls_on_with_facts_already_ahead(
    db: Engine, make_exercise: MakeExercise
) -> None:
    """Facts of the next tick (recorded while the clock lags) exist when the entry is
    built, others arrive after it: when the clock moves one tick on, all count."""
    exercise = make_exercise(current_tick=2)
    live = LiveBoards()
    ledger.record_adjustment(db, exercise, "red", 5, actor="white", reason="ahead", tick=3)
    ledger.record_adjustment(db, exercise, "red", 1, actor="white", reason="now", tick=2)
    same(live.board(db, exercise.name), compute_scoreboard(db, exercise.name))
    ledger.record_adjustment(db, exercise, "blue-1", 2, actor="white", reason="ahead", tick=3)
    same(live.board(db, exercise.name), compute_scoreboard(db, exercise.name))
    set_tick(db, exercise, 3)
    board = live.board(db, exercise.name)
    same(board, compute_scoreboard(db, exercise.name))
    assert {t.name: t.total for t in board.teams}["red"] == 6.0
