"""Exercises: list, state and clock, the state machine, the scoreboard."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import Session, col, select

from range.errors import CyberrangeError, NotFoundError
from range.lifecycle import status as range_status
from records.actions import change_state
from scoring.exercise import current_tick, time_left
from scoring.scoreboard import FULL_VIEW_ROLES, explain
from scoring.tables import Exercise
from webui.api.common import ALL_ROLES, STAFF, acting, caller, engine, exercise, own_team
from webui.api.models import ExplainQuery
from webui.api.registry import api_route
from webui.app import web_context
from webui.boardcache import boards
from webui.errors import ApiError
from webui.membership import visible_exercise_ids

X = "/exercises/<ex>"


def exercise_json(found: Exercise) -> dict[str, Any]:
    return {
        "name": found.name,
        "range": found.range_name,
        "title": str(found.scenario.get("title", "")),
        "state": str(found.state),
        "tick": current_tick(found),
        "tick_seconds": found.tick_seconds,
        "duration_seconds": found.duration_seconds,
        "time_left_seconds": round(time_left(found), 1),
        "formula": found.formula,
        "started_at": found.started_at.isoformat() if found.started_at else None,
        "finished_at": found.finished_at.isoformat() if found.finished_at else None,
    }


@api_route("GET", "/exercises", roles=ALL_ROLES, summary="List exercises",
           response="the exercises the caller may see (a participant: its own), newest first",
           tag="exercises")
def list_exercises() -> dict[str, Any]:
    visible = visible_exercise_ids(engine(), caller())
    with Session(engine()) as session:
        rows = list(session.exec(select(Exercise).order_by(col(Exercise.id).desc())))
    rows = [found for found in rows if visible is None or found.id in visible]
    return {"exercises": [exercise_json(found) for found in rows]}


@api_route("GET", X, roles=ALL_ROLES, summary="Show an exercise",
           response="state, current tick and time left", tag="exercises")
def show_exercise(ex: str) -> dict[str, Any]:
    return exercise_json(exercise(ex))


def _transition(ex: str, action: str) -> dict[str, Any]:
    who = acting()  # the STATE fact names the channel too (api:<user>)
    changed = change_state(engine(), exercise(ex).name, action, replace(who, name=who.audit_name))
    return exercise_json(changed)


_STATE: dict[str, Any] = {"roles": STAFF, "tag": "exercises",
          "response": "the exercise after the change; 409 when its state forbids it"}


@api_route("POST", f"{X}/start", summary="Start the exercise", **_STATE)
def start_exercise(ex: str) -> dict[str, Any]:
    return _transition(ex, "start")


@api_route("POST", f"{X}/pause", summary="Pause the exercise", **_STATE)
def pause_exercise(ex: str) -> dict[str, Any]:
    return _transition(ex, "pause")


@api_route("POST", f"{X}/resume", summary="Resume the exercise", **_STATE)
def resume_exercise(ex: str) -> dict[str, Any]:
    return _transition(ex, "resume")


@api_route("POST", f"{X}/stop", summary="Stop the exercise", **_STATE)
def stop_exercise(ex: str) -> dict[str, Any]:
    return _transition(ex, "stop")


@api_route("GET", f"{X}/scoreboard", roles=ALL_ROLES, summary="Read the scoreboard",
           response="ranked teams, categories, services and history "
                    "(frozen for teams during a score freeze)", tag="scoreboard")
def scoreboard(ex: str) -> dict[str, Any]:
    return boards().payload(engine(), ex, str(caller().role))


@api_route("GET", f"{X}/scoreboard/explain", roles=ALL_ROLES, query=ExplainQuery,
           summary="Explain a score", tag="scoreboard",
           response="the ledger lines behind one team's category score; teams see their own")
def explain_score(ex: str, query: ExplainQuery) -> dict[str, Any]:
    found = exercise(ex)
    role = str(caller().role)
    if role not in FULL_VIEW_ROLES and query.team != own_team(found):
        raise ApiError(403, "other_team", "teams may only explain their own score", "team")
    lines = explain(engine(), found.name, query.team, query.category, viewer_role=role)
    return {
        "team": query.team,
        "category": query.category,
        "total": round(sum(line.points for line in lines), 6),
        "lines": [
            {"tick": ln.tick, "points": ln.points, "reason": ln.reason, "fact_id": ln.fact_id}
            for ln in lines
        ],
    }


@api_route("GET", f"{X}/range", roles=STAFF, summary="Show the range",
           response="the deployed range's state and hosts; deployed=false when it is not up",
           tag="exercises")
def show_range(ex: str) -> dict[str, Any]:
    found = exercise(ex)
    context = web_context()
    try:
        current = range_status(context.settings, context.engine, found.range_name)
    except NotFoundError:
        return {"range": found.range_name, "deployed": False, "hosts": []}
    except CyberrangeError as exc:
        raise ApiError(
            503, "engine_unavailable", f"cannot reach the container engine: {exc}"
        ) from exc
    return {
        "range": found.range_name,
        "deployed": True,
        "state": str(current.record.state),
        "hosts": [
            {"host": h.host, "copy": h.copy, "container": h.container, "state": h.state,
             "health": h.health}
            for h in current.hosts
        ],
    }
