"""Flag submission (red teams) and the submissions they made."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from flask import Response, g
from sqlalchemy import select

from scoring.attackdata import attack_data
from scoring.ledger import FACT_TABLE
from scoring.tables import FactKind
from webui.api.common import READERS, caller, check_team, engine, exercise, own_team
from webui.api.models import FlagBatch, TeamPageQuery
from webui.api.registry import api_route
from webui.errors import ApiError
from webui.submitting import AuditNote, pool

X = "/exercises/<ex>"


@api_route("POST", f"{X}/flags", roles={"red"}, body=FlagBatch, tag="flags",
           summary="Submit flags",
           response="one answer per flag, in order: accepted, invalid, expired, own, "
                    "duplicate, not-allowed or rate-limited; every answer is recorded")
def submit_flags(ex: str, body: FlagBatch) -> Response:
    me = caller()
    # The registry found the caller's membership; the cached submitter knows the teams.
    team: str = g.member_team
    submitter = pool().get(engine(), ex)
    if team not in submitter.teams:
        submitter.refresh_teams()  # teams may have been added to a running exercise
    note = AuditNote(me.username, "api")
    results = pool().submit(engine(), ex, team, body.flags, f"api:{me.username}", note)
    counts = dict(Counter(result.answer.value for result in results))
    answer: dict[str, Any] = {
        "team": team,
        "counts": counts,
        "results": [{"flag": r.flag, "answer": r.answer.value, "message": r.message}
                    for r in results],
    }
    # Up to 5,000 answers: plain compact JSON, without the sorted keys of jsonify.
    return Response(json.dumps(answer, separators=(",", ":")), mimetype="application/json")


@api_route("GET", f"{X}/submissions", roles=READERS | {"red"}, query=TeamPageQuery,
           tag="flags", summary="List submissions",
           response="answered submissions, newest first; red teams see only their own")
def list_submissions(ex: str, query: TeamPageQuery) -> dict[str, Any]:
    found = exercise(ex)
    if str(caller().role) in READERS:
        team = check_team(found, query.team) if query.team else None
    else:
        team = own_team(found)
        if query.team not in (None, team):
            raise ApiError(403, "other_team", "red teams see only their own submissions", "team")
    c = FACT_TABLE.c
    statement = select(c.id, c.tick, c.team, c.target, c.outcome, c.message, c.data,
                       c.actor, c.created_at).where(
        c.exercise_id == found.id, c.kind == FactKind.SUBMISSION)
    if team is not None:
        statement = statement.where(c.team == team)
    statement = statement.order_by(c.id.desc()).limit(query.limit).offset(query.offset)
    with engine().connect() as conn:
        rows = conn.execute(statement).all()
    return {"submissions": [
        {"id": r.id, "tick": r.tick, "team": r.team, "target": r.target, "answer": r.outcome,
         "message": r.message, "flag": (r.data or {}).get("flag"), "actor": r.actor,
         "at": r.created_at.isoformat() if r.created_at else None}
        for r in rows
    ]}


@api_route("GET", f"{X}/attack-data", roles=READERS | {"red"}, tag="flags",
           summary="Attack data: flag ids of the flags still valid",
           response="{exercise, tick, services: {host/service: {team: {tick: [flag ids]}}}}: "
                    "the ids checkers stored flags under, as A/D games publish them")
def get_attack_data(ex: str) -> dict[str, Any]:
    exercise(ex)  # 404 for an unknown name, as every exercise route
    return attack_data(engine(), ex)
