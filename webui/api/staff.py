"""White team actions: injects, hints, score adjustments, grades."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from records.tables import IncidentReport
from scoring.ledger import (
    append_one,
    fact_row,
    record_adjustment,
    record_hint,
    record_inject_grade,
)
from scoring.reports import override_match
from scoring.tables import FactKind
from webui.api.common import STAFF, caller, check_team, engine, exercise, record
from webui.api.models import (
    AdjustmentBody,
    HintBody,
    InjectBody,
    InjectGradeBody,
    ReportGradeBody,
)
from webui.api.registry import api_route
from webui.errors import ApiError
from webui.pagekit import scenario_of

X = "/exercises/<ex>"
_STAFF: dict[str, Any] = {"roles": STAFF, "tag": "white team", "status": 201}


@api_route("POST", f"{X}/injects", body=InjectBody, summary="Send an inject",
           response="the ledger fact of the inject", **_STAFF)
def send_inject(ex: str, body: InjectBody) -> dict[str, Any]:
    found = exercise(ex)
    assert found.id is not None
    row = fact_row(found.id, found.current_tick, FactKind.INJECT, target=body.to, outcome="sent",
                   actor=caller().username, message=body.message,
                   data={"to": body.to, "manual": True})
    fact_id = append_one(engine(), row)
    record(found.name, "inject.send", {"to": body.to, "fact": fact_id})
    return {"fact_id": fact_id, "to": body.to}


@api_route("POST", f"{X}/hints", body=HintBody, summary="Give a hint",
           response="the hint fact; its penalty is charged once per team", **_STAFF)
def give_hint(ex: str, body: HintBody) -> dict[str, Any]:
    found = exercise(ex)
    team = check_team(found, body.team)
    chosen = next((h for h in scenario_of(found).hints if h.id == body.hint), None)
    if chosen is None:
        raise ApiError(422, "unknown_hint", f"the scenario has no hint {body.hint!r}", "hint")
    try:
        fact_id = record_hint(engine(), found, team, chosen.id, chosen.penalty,
                              actor=caller().username)
    except IntegrityError:  # the hint's unique key
        raise ApiError(409, "duplicate", f"team {team} already has hint {body.hint}") from None
    record(found.name, "hint.give", {"team": team, "hint": chosen.id})
    return {"fact_id": fact_id, "team": team, "hint": chosen.id, "penalty": chosen.penalty}


@api_route("POST", f"{X}/adjustments", body=AdjustmentBody, summary="Adjust a score",
           response="the adjustment fact (actor and reason are kept)", **_STAFF)
def adjust_score(ex: str, body: AdjustmentBody) -> dict[str, Any]:
    found = exercise(ex)
    team = check_team(found, body.team)
    fact_id = record_adjustment(engine(), found, team, body.points, actor=caller().username,
                                reason=body.reason)
    record(found.name, "score.adjust", {"team": team, "points": body.points,
                                        "reason": body.reason})
    return {"fact_id": fact_id, "team": team, "points": body.points}


@api_route("POST", f"{X}/grades/injects", body=InjectGradeBody,
           summary="Grade an inject response", response="the grade fact", **_STAFF)
def grade_inject(ex: str, body: InjectGradeBody) -> dict[str, Any]:
    found = exercise(ex)
    team = check_team(found, body.team)
    fact_id = record_inject_grade(engine(), found, team, body.inject, body.points,
                                  actor=caller().username, reason=body.reason)
    record(found.name, "inject.grade", {"team": team, "inject": body.inject,
                                        "points": body.points, "reason": body.reason})
    return {"fact_id": fact_id, "team": team, "points": body.points}


@api_route("POST", f"{X}/grades/reports", body=ReportGradeBody,
           summary="Grade an incident report",
           response="the report's points after the decision", **_STAFF)
def grade_report(ex: str, body: ReportGradeBody) -> dict[str, Any]:
    found = exercise(ex)
    with Session(engine()) as session:
        report = session.get(IncidentReport, body.incident_id)
    if report is None or report.exercise_id != found.id:
        raise ApiError(422, "unknown_incident", f"no incident report {body.incident_id}",
                       "incident_id")
    match = override_match(engine(), found, report.team, report.uid, accept=body.accept,
                           actor=caller().username, reason=body.reason, points=body.points)
    record(found.name, "report.grade", {"incident": report.uid, "accept": body.accept,
                                        "points": body.points, "reason": body.reason})
    return {"incident_id": report.id, "accept": body.accept, "changed": match is not None}
