"""SITREPs: the template, the slots the scenario requires, grading by rubric
through the ledger (explainable on the board, graded once)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from records import audit
from records.coordination.errors import CoordinationDenied, CoordinationError
from records.coordination.sitreps import SitrepInput, file_sitrep, grade_sitrep, schedule, sitreps
from scoring.ledger import facts
from scoring.scoreboard import explain
from scoring.tables import Exercise, FactKind
from tests.unit.coordination.coord_world import (
    AUDITOR,
    BLUE1,
    BLUE2,
    EXERCISE,
    RED,
    WHITE,
    advance,
)

REPORT = SitrepInput(situation="Web server defaced", impact="shop down", actions="restored",
                     needs="none", outlook="watching", tlp="GREEN")


def test_slots_filed_and_missing(engine: Engine, exercise: Exercise) -> None:
    assert schedule(engine, EXERCISE) == []  # nothing due before the first 10 minutes
    report = file_sitrep(engine, EXERCISE, BLUE1, REPORT)
    assert report.slot == 1 and report.tlp.value == "GREEN"
    advance(engine, EXERCISE, 1250)  # slots 1 and 2 are due
    slots = {(s.team, s.slot): s.sitrep for s in schedule(engine, EXERCISE)}
    assert slots == {("blue-1", 1): report.uid, ("blue-1", 2): None,
                     ("blue-2", 1): None, ("blue-2", 2): None}
    late = file_sitrep(engine, EXERCISE, BLUE2, REPORT)
    assert late.slot == 3  # filed in the third period: it does not fill slot 1 or 2


def test_teams_see_their_own_staff_and_auditors_all(engine: Engine, exercise: Exercise) -> None:
    mine = file_sitrep(engine, EXERCISE, BLUE1, REPORT)
    theirs = file_sitrep(engine, EXERCISE, BLUE2, REPORT)
    assert [s.uid for s in sitreps(engine, EXERCISE, BLUE1)] == [mine.uid]
    assert [s.uid for s in sitreps(engine, EXERCISE, BLUE2)] == [theirs.uid]
    for reader in (WHITE, AUDITOR):
        assert {s.uid for s in sitreps(engine, EXERCISE, reader)} == {mine.uid, theirs.uid}


@pytest.mark.parametrize(("actor", "data", "error", "fragment"), [
    (RED, REPORT, CoordinationDenied, "defending teams"),
    (WHITE, REPORT, CoordinationDenied, "defending teams"),
    (BLUE1, SitrepInput(situation="  "), CoordinationError, "needs its situation"),
    (BLUE1, SitrepInput(situation="x", tlp="TLP:WHITE"), CoordinationError, "unknown marking"),
    (BLUE1, SitrepInput(situation="x" * 10_001), CoordinationError, "at most"),
])
def test_bad_sitreps_store_nothing(engine: Engine, exercise: Exercise, actor: object,
                                   data: SitrepInput, error: type[Exception],
                                   fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        file_sitrep(engine, EXERCISE, actor, data)  # type: ignore[arg-type]
    assert sitreps(engine, EXERCISE, WHITE) == []


def test_a_grade_is_a_fact_the_board_explains(engine: Engine, exercise: Exercise) -> None:
    report = file_sitrep(engine, EXERCISE, BLUE1, REPORT)
    graded = grade_sitrep(engine, EXERCISE, WHITE, report.uid, {"accuracy": 3, "actions": 2},
                          "clear and short")
    assert graded.scores == {"accuracy": 3, "actions": 2} and graded.grader == "trainer"
    [fact] = facts(engine, exercise.id or 0, kinds=[FactKind.INJECT_GRADE])
    assert (fact.team, fact.points, fact.id) == ("blue-1", 5, graded.grade_fact_id)
    assert fact.message == "SITREP slot 1: accuracy 3/4, actions 2/3 (clear and short)"
    assert fact.data["rubric"] == {"accuracy": 4, "actions": 3}
    [line] = explain(engine, EXERCISE, "blue-1", "injects")
    assert line.points == 5 and line.fact_id == fact.id
    assert sitreps(engine, EXERCISE, BLUE1)[0].scores == {"accuracy": 3, "actions": 2}
    entry = audit.entries(engine, EXERCISE)[-1]
    assert (entry.action, entry.details["points"]) == ("sitrep.grade", 5)
    with pytest.raises(CoordinationError, match="already graded"):
        grade_sitrep(engine, EXERCISE, WHITE, report.uid, {"accuracy": 4, "actions": 3})


@pytest.mark.parametrize(("scores", "fragment"), [
    ({"accuracy": 5, "actions": 1}, "accuracy: a whole number from 0 to 4"),
    ({"accuracy": 1}, "'actions' is missing"),
    ({"accuracy": 1, "actions": 1, "style": 1}, "no criterion 'style'"),
    ({"accuracy": True, "actions": 1}, "accuracy: a whole number"),
    ({"accuracy": -1, "actions": 1}, "accuracy: a whole number"),
])
def test_scores_follow_the_rubric(engine: Engine, exercise: Exercise, scores: dict[str, int],
                                  fragment: str) -> None:
    report = file_sitrep(engine, EXERCISE, BLUE1, REPORT)
    with pytest.raises(CoordinationError, match=fragment):
        grade_sitrep(engine, EXERCISE, WHITE, report.uid, scores)
    assert facts(engine, exercise.id or 0, kinds=[FactKind.INJECT_GRADE]) == []


def test_only_the_white_cell_grades(engine: Engine, exercise: Exercise) -> None:
    report = file_sitrep(engine, EXERCISE, BLUE1, REPORT)
    for actor in (BLUE1, AUDITOR):
        with pytest.raises(CoordinationDenied):
            grade_sitrep(engine, EXERCISE, actor, report.uid, {"accuracy": 1, "actions": 1})
