"""The after-action report's coordination section: messages per party, request
answers with response times, SITREP grades, missing SITREPs."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from records.coordination.requests import grade_answer, pending
from records.coordination.sitreps import SitrepInput, file_sitrep, grade_sitrep
from records.coordination.summary import summary
from records.coordination.threads import Draft, open_thread, reply
from records.evidence import EvidenceStore
from records.exports import html_export
from records.exports.data import collect
from scoring.tables import Exercise
from tests.unit.coordination.coord_world import BLUE1, EXERCISE, WHITE, advance


def test_the_report_tells_how_coordination_went(engine: Engine, exercise: Exercise,
                                                store: EvidenceStore) -> None:
    open_thread(engine, store, EXERCISE, BLUE1, Draft("Defaced", "shop down", ["white-cell"]))
    report = file_sitrep(engine, EXERCISE, BLUE1, SitrepInput("Shop defaced, contained"))
    grade_sitrep(engine, EXERCISE, WHITE, report.uid, {"accuracy": 4, "actions": 2})
    advance(engine, EXERCISE, 420)  # the request is asked at 5 min
    request = next(p for p in pending(engine, EXERCISE) if p.answer.party == "blue-1")
    advance(engine, EXERCISE, 600)  # answered 12 minutes after the question
    reply(engine, store, EXERCISE, BLUE1, request.uid, "198.51.100.10")
    grade_answer(engine, EXERCISE, WHITE, request.uid, "blue-1", 10)
    advance(engine, EXERCISE, 1200)

    found = summary(engine, EXERCISE)
    assert found.threads == 3
    assert found.messages_by_party == {"blue-1": 2, "cert-xy": 2}
    times = {r.request.answer.party: (r.request.answer.status, r.response_minutes)
             for r in found.responses}
    assert times["blue-1"][0] == "answered" and 11.9 <= (times["blue-1"][1] or 0) <= 12.1
    assert times["blue-2"] == ("overdue", None)
    assert {(s.team, s.slot) for s in found.missing_slots} >= {("blue-1", 2), ("blue-2", 1)}

    html = html_export.render(collect(engine, EXERCISE))
    section = html.split("<h2>Coordination</h2>", 1)[1].split("<h2>", 1)[0]
    assert "Indicators?" in section and "overdue" in section
    assert "accuracy 4, actions 2 (6 points, trainer)" in section
    assert "blue-2 slot 1" in section
