"""The trainer console (white team, admins): range status, topology, the exercise."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, render_template

from range.errors import CyberrangeError, NotFoundError
from range.lifecycle import status as range_status
from range.plan import Plan
from range.planner import make_plan
from range.state import get_record, plan_from_dict
from records.coordination.summary import attention
from records.findings import list_findings
from records.incidents import list_incidents
from scoring.exercise import time_left
from scoring.ledger import facts
from scoring.reports import report_points
from scoring.tables import Exercise, FactKind
from webui.app import web_context
from webui.auth import require
from webui.pagekit import STAFF_ROLES, exercise, scenario_of, teams_of
from webui.views import trainer_actions

bp = Blueprint("trainer", __name__)
LEDGER_KINDS = (FactKind.ADJUSTMENT, FactKind.INJECT_GRADE, FactKind.REPORT_MATCH, FactKind.HINT,
                FactKind.STATE)


def blueprints() -> list[Blueprint]:
    return [bp, trainer_actions.bp]


def _range_view(found: Exercise) -> dict[str, Any]:
    """The range's state and hosts, or why they cannot be shown."""
    context = web_context()
    try:
        current = range_status(context.settings, context.engine, found.range_name)
    except NotFoundError:
        return {"error": f"range {found.range_name!r} is not deployed "
                         f"(deploy it with `cyberrange up`)."}
    except CyberrangeError as exc:
        return {"error": f"cannot reach the container engine: {exc}"}
    return {"record": current.record, "hosts": current.hosts}


@bp.route("/x/<name>/console")
@require(*STAFF_ROLES)
def console(name: str) -> str:
    found = exercise(name)
    assert found.id is not None
    engine = web_context().engine
    ledger = facts(engine, found.id, kinds=LEDGER_KINDS)
    injects = facts(engine, found.id, kinds=[FactKind.INJECT])
    reports = [(r, report_points(engine, found, r.team, r.uid))
               for r in list_incidents(engine, found.name)]
    return render_template(
        "console.html",
        exercise=found,
        minutes_left=int(time_left(found) // 60),
        scenario=scenario_of(found),
        range_view=_range_view(found),
        teams=teams_of(found),
        injects=injects[::-1],
        reports=reports[::-1],
        findings=list_findings(engine, found.name),
        ledger=ledger[-30:][::-1],
        coordination=attention(engine, found.name),
    )


def _plan(found: Exercise) -> Plan:
    """The deployed plan, or the plan the scenario would deploy."""
    try:
        return plan_from_dict(get_record(web_context().engine, found.range_name).plan)
    except NotFoundError:
        pass
    try:
        return make_plan(scenario_of(found), found.range_name)
    except CyberrangeError:  # a range name the planner refuses: draw under the scenario's
        return make_plan(scenario_of(found))


@bp.route("/x/<name>/topology.svg")
@require(*STAFF_ROLES)
def topology(name: str) -> Response:
    from range.draw import draw  # matplotlib is heavy: load it only when asked

    found = exercise(name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "topology.svg"
        draw(_plan(found), path)
        body = path.read_bytes()
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
