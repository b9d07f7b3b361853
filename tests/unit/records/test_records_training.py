from __future__ import annotations

import pytest
from records_fixtures import EXERCISE, add_fact, sqli
from sqlalchemy.engine import Engine
from xapi_rules import violations

from range.errors import NotFoundError, RecordError
from records import participants
from records.nice import WORK_ROLES
from records.scores import ScoreView, TeamLine
from records.training import training_records
from scoring.tables import FactKind

HOME = "https://range.example.org/"
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
    records = {r.username: r for r in training_records(engine, exercise, HOME, scores=SCORES)}
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
    assert completed["result"]["score"] == {"raw": 20.0, "min": -4.0, "max": 20.0, "scaled": 1.0}
    assert completed["result"]["duration"] == "PT0H2M0S"
    assert completed["actor"]["account"] == {"homePage": HOME, "name": "rita"}
    again = {r.username: r for r in training_records(engine, exercise, HOME, scores=SCORES)}
    assert [s["id"] for s in again["rita"].statements] == [s["id"] for s in rita.statements]


def test_every_statement_follows_the_xapi_rules(engine: Engine, exercise: str) -> None:
    _people(engine)
    sqli(engine, "blue-1", 2)
    records = training_records(engine, exercise, HOME, scores=SCORES)
    statements = [s for r in records for s in r.statements]
    assert statements and {tuple(violations(s)) for s in statements} == {()}
    bob = next(r for r in records if r.username == "bob").statements
    assert bob[-2]["result"]["score"] == {"raw": -4.0, "min": -4.0, "max": 20.0, "scaled": -0.2}
    action = next(s for r in records for s in r.statements
                  if s["object"]["id"].startswith("urn:cyberrange:exercise:rec-dmz:"))
    assert action["context"]["contextActivities"]["parent"][0]["id"] == \
        "urn:cyberrange:exercise:rec-dmz"


def test_the_rules_catch_what_an_lrs_refuses() -> None:
    good = {"id": "5d4f2b0e-8a59-4c1b-9a4e-2b9f7c1d0e11",
            "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": "x"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "urn:cyberrange:exercise:x"}, "timestamp": "2026-01-01T00:00:00+00:00",
            "result": {"score": {"raw": 1, "min": 0, "max": 2, "scaled": 0.5},
                       "duration": "PT1H2M3S"}}
    assert violations(good) == []
    bad_score = {**good, "result": {"score": {"raw": -3, "min": 0, "max": 2}}}
    assert violations(bad_score) == ["score.raw outside [min, max]"]
    assert violations({**good, "id": "fact-7"}) == ["id is not a UUID"]
    assert violations({**good, "timestamp": "2026-01-01T00:00:00"}) == [
        "timestamp has no time zone"]
    assert violations({**good, "actor": {"name": "x"}}) == [
        "actor needs exactly one inverse functional identifier, has []"]


def test_statement_ids_differ_between_runs_of_one_name(engine: Engine, exercise: str) -> None:
    from sqlmodel import Session, select

    from scoring.tables import Exercise

    _people(engine)
    first = [s["id"] for r in training_records(engine, exercise, HOME, scores=SCORES)
             for s in r.statements]
    with Session(engine) as session:
        row = session.exec(select(Exercise).where(Exercise.name == exercise)).one()
        row.created_at = row.created_at.replace(year=row.created_at.year + 1)
        session.add(row)
        session.commit()
    second = [s["id"] for r in training_records(engine, exercise, HOME, scores=SCORES)
              for s in r.statements]
    assert not set(first) & set(second)


def test_demo_registers_one_participant_per_role_and_team(engine: Engine, exercise: str) -> None:
    from cyberrange.drill_web import register_participants

    teams = {"red": "red", "blue-1": "blue", "blue-2": "blue", "white": "white"}
    register_participants(engine, exercise, teams, "drill")
    register_participants(engine, exercise, teams, "drill")  # a second run changes nothing
    records = training_records(engine, exercise, HOME, scores=SCORES)
    assert sorted((r.username, r.team, r.role) for r in records) == [
        ("auditor", "auditors", "auditor"), ("blue-1", "blue-1", "blue"),
        ("blue-2", "blue-2", "blue"), ("red", "red", "red"), ("trainer", "white", "white")]
    assert all(r.statements and r.work_role for r in records)
