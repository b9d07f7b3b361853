"""White team actions: injects, hints, score adjustments, grades."""

from __future__ import annotations

from typing import Any

from range.errors import DuplicateError, NotFoundError
from records import actions
from webui.api.common import STAFF, acting, check_team, engine, exercise
from webui.api.models import (
    AdjustmentBody,
    HintBody,
    InjectBody,
    InjectGradeBody,
    ReportGradeBody,
)
from webui.api.registry import api_route
from webui.errors import ApiError

X = "/exercises/<ex>"
_STAFF: dict[str, Any] = {"roles": STAFF, "tag": "white team", "status": 201}


@api_route("POST", f"{X}/injects", body=InjectBody, summary="Send an inject",
           response="the ledger fact of the inject", **_STAFF)
def send_inject(ex: str, body: InjectBody) -> dict[str, Any]:
    fact_id = actions.send_inject(engine(), exercise(ex), body.to, body.message, acting())
    return {"fact_id": fact_id, "to": body.to}


@api_route("POST", f"{X}/hints", body=HintBody, summary="Give a hint",
           response="the hint fact; its penalty is charged once per team", **_STAFF)
def give_hint(ex: str, body: HintBody) -> dict[str, Any]:
    found = exercise(ex)
    team = check_team(found, body.team)
    try:
        given = actions.give_hint(engine(), found, team, body.hint, acting())
    except NotFoundError as exc:
        raise ApiError(422, "unknown_hint", str(exc), "hint") from None
    except DuplicateError as exc:
        raise ApiError(409, "duplicate", str(exc)) from None
    return {"fact_id": given.fact_id, "team": team, "hint": given.hint.id,
            "penalty": given.hint.penalty}


@api_route("POST", f"{X}/adjustments", body=AdjustmentBody, summary="Adjust a score",
           response="the adjustment fact (actor and reason are kept)", **_STAFF)
def adjust_score(ex: str, body: AdjustmentBody) -> dict[str, Any]:
    found = exercise(ex)
    team = check_team(found, body.team)
    fact_id = actions.adjust_score(engine(), found, team, body.points, body.reason, acting())
    return {"fact_id": fact_id, "team": team, "points": body.points}


@api_route("POST", f"{X}/grades/injects", body=InjectGradeBody,
           summary="Grade an inject response", response="the grade fact", **_STAFF)
def grade_inject(ex: str, body: InjectGradeBody) -> dict[str, Any]:
    found = exercise(ex)
    team = check_team(found, body.team)
    fact_id = actions.grade_inject(engine(), found, team, body.inject, body.points, body.reason,
                                   acting())
    return {"fact_id": fact_id, "team": team, "points": body.points}


@api_route("POST", f"{X}/grades/reports", body=ReportGradeBody,
           summary="Grade an incident report",
           response="the report's points after the decision", **_STAFF)
def grade_report(ex: str, body: ReportGradeBody) -> dict[str, Any]:
    try:
        graded = actions.grade_report(engine(), exercise(ex), body.incident_id, accept=body.accept,
                                      reason=body.reason, points=body.points, actor=acting())
    except NotFoundError:
        raise ApiError(422, "unknown_incident", f"no incident report {body.incident_id}",
                       "incident_id") from None
    return {"incident_id": graded.report.id, "accept": body.accept,
            "changed": graded.match is not None}
