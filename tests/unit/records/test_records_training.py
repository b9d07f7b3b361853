from __future__ import annotations

import pytest
from records_fixtures import EXERCISE, add_fact, sqli
from sqlalchemy.engine import Engine

from range.errors import NotFoundError, RecordError
from records import participants
from records.nice import WORK_ROLES
from records.scores import ScoreView, TeamLine
from records.training import training_records
from scoring.tables import FactKind

SCORES = ScoreView([TeamLine("red", "red", 20.0, 1), TeamLine("blue-1", "blue", 10.0, 2),
                    TeamLine("blue-2", "blue", -4.0, 3)], [])


def _people(engine: Engine) -> None:
    for user, team, role in (("rita", "red", "red"), ("bea", "blue-1", "blue"),
                             ("bob", "blue-2", "blue"), ("ada", "-", "auditor")):
        participants.add_participant(engine, user, user.title(), f"{user}@example.org")
        participants.assign(engine, EXERCISE, user, team, role)


def test_roles_map_to_nice_work_roles() -> None:
    assert WORK_ROLES["red"].legacy == "Exploitation Analyst (AN-EXP-001)"
    assert WORK_ROLES["red"].title == "Penetration Tester"
    assert WORK_ROLES["blue"].current == "Incident Response (PD-WRL-003)"
    assert WORK_ROLES["auditor"].current == "Security Control Assessment (OG-WRL-012)"
    assert set(WORK_ROLES) >= set(participants.ROLES)


def test_assignment_checks(engine: Engine, exercise: str) -> None:
    with pytest.raises(RecordError):
        participants.add_participant(engine, "bad name!")
    participants.add_participant(engine, "rita")
    with pytest.raises(NotFoundError):
        participants.assign(engine, exercise, "nobody", "red", "red")
    with pytest.raises(NotFoundError):
        participants.assign(engine, exercise, "rita", "green-7", "red")
    with pytest.raises(RecordError):
        participants.assign(engine, exercise, "rita", "red", "captain")
    participants.assign(engine, exercise, "rita", "red", "red")
    participants.assign(engine, exercise, "rita", "blue-1", "blue")  # reassignment moves
    ((_, link),) = participants.roster(engine, exercise)
    assert (link.team_name, link.role) == ("blue-1", "blue")


def test_training_records(engine: Engine, exercise: str) -> None:
    _people(engine)
    action = sqli(engine, "blue-1", 2)
    add_fact(engine, EXERCISE, tick=4, kind=FactKind.CAPTURE, team="red", target="blue-2",
             host="db", outcome="accepted", actor="web:rita", data={"kind": "objective"})
    add_fact(engine, EXERCISE, tick=4, kind=FactKind.SUBMISSION, team="red", target="blue-2",
             outcome="accepted", actor="web:rita", data={})
    add_fact(engine, EXERCISE, tick=3, kind=FactKind.REPORT_MATCH, team="blue-1",
             actor="web:bea", data={"action_id": action.id})
    records = {r.username: r for r in training_records(engine, exercise, scores=SCORES)}
    rita, bea, bob, ada = records["rita"], records["bea"], records["bob"], records["ada"]
    assert (rita.score, rita.success, rita.role) == (20.0, True, "red")
    assert bea.success is True  # detected an attack, lost no objective
    assert bob.success is False  # lost the objective of blue-2
    assert ada.success is None and ada.work_role.startswith("Security Control Assessor")
    assert rita.duration_seconds == 4 * 30  # no start time: ticks played x tick length
    verbs = [s["verb"]["display"]["en-US"] for s in rita.statements]
    assert verbs == ["attempted", "attempted", "answered", "completed", "passed"]
    assert [s["verb"]["display"]["en-US"] for s in bob.statements][-1] == "failed"
    completed = rita.statements[-2]
    assert completed["result"]["score"] == {"raw": 20.0, "min": 0, "max": 20.0, "scaled": 1.0}
    assert completed["result"]["duration"] == "PT0H2M0S"
    assert completed["actor"]["account"] == {"homePage": "http://localhost:8000", "name": "rita"}
    again = {r.username: r for r in training_records(engine, exercise, scores=SCORES)}
    assert [s["id"] for s in again["rita"].statements] == [s["id"] for s in rita.statements]
