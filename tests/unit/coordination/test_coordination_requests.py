"""Requests that need an answer: opened when due, answers timed in game time,
late and missing answers listed for the white cell, grades through the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from records import audit
from records.coordination.errors import CoordinationDenied, CoordinationError
from records.coordination.reading import read_thread, visible_threads
from records.coordination.requests import grade_answer, open_due_requests, pending
from records.coordination.threads import Draft, open_thread, reply
from records.evidence import EvidenceStore
from scoring.exercise import transition
from scoring.ledger import facts
from scoring.scoreboard import compute_scoreboard, explain
from scoring.tables import Exercise, FactKind
from tests.unit.coordination.coord_world import BLUE1, BLUE2, EXERCISE, WHITE, advance


def states(engine: Engine) -> dict[str, str]:
    return {p.answer.party: p.answer.status for p in pending(engine, EXERCISE)}


def test_a_request_opens_when_its_time_comes_once_per_team(engine: Engine,
                                                            exercise: Exercise) -> None:
    assert open_due_requests(engine, EXERCISE) == 0  # asked at 5m
    advance(engine, EXERCISE, 301)
    assert open_due_requests(engine, EXERCISE) == 2
    assert open_due_requests(engine, EXERCISE) == 0
    for actor, team in ((BLUE1, "blue-1"), (BLUE2, "blue-2")):
        [thread] = visible_threads(engine, EXERCISE, actor)
        assert thread.parties == ["cert-xy", team] and thread.thread.due_game == 300 + 1800
        assert thread.messages[0].message.body == "Send us the attacker's addresses"
    assert [e.action for e in audit.entries(engine, EXERCISE)].count("request.ask") == 2


def test_on_time_late_and_missing(engine: Engine, exercise: Exercise,
                                  store: EvidenceStore) -> None:
    advance(engine, EXERCISE, 600)
    assert states(engine) == {"blue-1": "open", "blue-2": "open"}
    uid = {p.answer.party: p.uid for p in pending(engine, EXERCISE)}
    reply(engine, store, EXERCISE, BLUE1, uid["blue-1"], "198.51.100.10")
    advance(engine, EXERCISE, 1800)  # game second 2400: past the due time (2100)
    assert states(engine) == {"blue-1": "answered", "blue-2": "overdue"}
    reply(engine, store, EXERCISE, BLUE2, uid["blue-2"], "sorry, 198.51.100.10")
    assert states(engine) == {"blue-1": "answered", "blue-2": "late"}


def test_a_pause_does_not_count_against_the_team(engine: Engine, exercise: Exercise) -> None:
    advance(engine, EXERCISE, 600)
    open_due_requests(engine, EXERCISE)
    transition(engine, EXERCISE, "pause", "test")
    advance(engine, EXERCISE, 3600)  # wall time passes, game time does not
    assert set(states(engine).values()) == {"open"}


def test_grades_are_ledger_facts_the_board_explains(engine: Engine, exercise: Exercise,
                                                    store: EvidenceStore) -> None:
    advance(engine, EXERCISE, 600)
    uid = {p.answer.party: p.uid for p in pending(engine, EXERCISE)}
    reply(engine, store, EXERCISE, BLUE1, uid["blue-1"], "198.51.100.10")
    before = {t.name: t.total for t in compute_scoreboard(engine, EXERCISE).teams}
    fact_id = grade_answer(engine, EXERCISE, WHITE, uid["blue-1"], "blue-1", 8, "complete")
    [fact] = facts(engine, exercise.id or 0, kinds=[FactKind.INJECT_GRADE])
    assert fact.id == fact_id and fact.points == 8 and fact.team == "blue-1"
    assert fact.data == {"rfi": uid["blue-1"], "status": "answered"}
    assert fact.message == "answer to 'Indicators?' (answered): complete"
    after = {t.name: t.total for t in compute_scoreboard(engine, EXERCISE).teams}
    assert after["blue-1"] == pytest.approx(before["blue-1"] + 8)
    lines = explain(engine, EXERCISE, "blue-1", "injects")
    assert [(ln.fact_id, ln.points) for ln in lines] == [(fact_id, 8)]
    assert next(p for p in pending(engine, EXERCISE) if p.answer.party == "blue-1").answer.graded
    entry = audit.entries(engine, EXERCISE)[-1]
    assert entry.action == "request.grade" and entry.details["points"] == 8
    with pytest.raises(CoordinationError, match="already graded"):
        grade_answer(engine, EXERCISE, WHITE, uid["blue-1"], "blue-1", 8)


@pytest.mark.parametrize(("party", "points", "fragment"), [
    ("blue-1", 11, "points between 0 and 10"),
    ("blue-1", -1, "points between 0 and 10"),
    ("cert-xy", 5, "was asked nothing"),
    ("blue-9", 5, "was asked nothing"),
])
def test_bad_grades_store_nothing(engine: Engine, exercise: Exercise, party: str,
                                  points: float, fragment: str) -> None:
    advance(engine, EXERCISE, 600)
    uid = pending(engine, EXERCISE)[0].uid
    with pytest.raises(CoordinationError, match=fragment):
        grade_answer(engine, EXERCISE, WHITE, uid, party, points)
    assert facts(engine, exercise.id or 0, kinds=[FactKind.INJECT_GRADE]) == []


def test_only_the_white_cell_grades(engine: Engine, exercise: Exercise) -> None:
    advance(engine, EXERCISE, 600)
    uid = pending(engine, EXERCISE)[0].uid
    with pytest.raises(CoordinationDenied):
        grade_answer(engine, EXERCISE, BLUE1, uid, "blue-1", 5)


def test_an_ad_hoc_request_from_the_white_cell(engine: Engine, exercise: Exercise,
                                               store: EvidenceStore) -> None:
    draft = Draft("Status of your web server?", "Reply within 10 minutes", ["blue-2"],
                  sender="cert-xy", due=600, points=5)
    thread = open_thread(engine, store, EXERCISE, WHITE, draft)
    view = read_thread(engine, EXERCISE, BLUE2, thread.uid)
    assert view.thread.kind == "rfi" and [a.status for a in view.answers] == ["open"]
    advance(engine, EXERCISE, 601)
    [mine] = [p for p in pending(engine, EXERCISE) if p.uid == thread.uid]
    assert (mine.answer.party, mine.answer.status, mine.asked_by) == ("blue-2", "overdue",
                                                                      "cert-xy")
