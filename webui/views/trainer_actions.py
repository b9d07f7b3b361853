"""What the trainer console changes: exercise state, injects, hints, grades,
score adjustments and findings. Every action is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from werkzeug.wrappers import Response

from range.errors import CyberrangeError
from records.findings import EDITABLE, draft_from_facts, update_finding
from records.tables import IncidentReport
from scoring.exercise import TRANSITIONS, transition
from scoring.ledger import (
    append_one,
    fact_row,
    record_adjustment,
    record_hint,
    record_inject_grade,
)
from scoring.reports import override_match
from scoring.tables import Exercise, FactKind
from webui.app import web_context
from webui.auth import require
from webui.pagekit import (
    STAFF_ROLES,
    exercise,
    form_float,
    form_id,
    form_text,
    record_action,
    scenario_of,
    teams_of,
    user,
)

bp = Blueprint("trainer_actions", __name__)


def _back(found: Exercise) -> Response:
    return redirect(url_for("trainer.console", name=found.name))


def _team(found: Exercise) -> str:
    team = form_text(request.form, "team", 64)
    if team not in {t.name for t in teams_of(found)}:
        abort(400, description=f"no team {team!r} in this exercise")
    return team


@bp.route("/x/<name>/console/state", methods=["POST"])
@require(*STAFF_ROLES)
def state(name: str) -> Response:
    found = exercise(name)
    action = form_text(request.form, "action", 16)
    if action not in TRANSITIONS:
        abort(400, description=f"unknown action {action!r}")
    try:
        transition(web_context().engine, found.name, action, f"web:{user().username}")
    except CyberrangeError as exc:
        flash(str(exc), "error")
        return _back(found)
    record_action(found.name, f"exercise.{action}", {})
    flash(f"Exercise {action}: done.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/inject", methods=["POST"])
@require(*STAFF_ROLES)
def inject(name: str) -> Response:
    found = exercise(name)
    assert found.id is not None
    to = form_text(request.form, "to", 64) or "all"
    message = form_text(request.form, "message", 4000)
    if not message:
        abort(400, description="an inject needs a message")
    row = fact_row(found.id, found.current_tick, FactKind.INJECT, target=to, outcome="sent",
                   actor=user().username, message=message, data={"to": to, "manual": True})
    fact_id = append_one(web_context().engine, row)
    record_action(found.name, "inject.send", {"to": to, "fact": fact_id})
    flash(f"Inject sent to {to}.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/hint", methods=["POST"])
@require(*STAFF_ROLES)
def hint(name: str) -> Response:
    found = exercise(name)
    team = _team(found)
    hint_id = form_text(request.form, "hint", 64)
    chosen = next((h for h in scenario_of(found).hints if h.id == hint_id), None)
    if chosen is None:
        abort(400, description=f"the scenario has no hint {hint_id!r}")
    try:
        record_hint(web_context().engine, found, team, chosen.id, chosen.penalty,
                    actor=user().username)
    except CyberrangeError as exc:
        flash(str(exc), "error")
        return _back(found)
    except IntegrityError:  # the hint's unique key: this team already has it
        flash(f"Team {team} already has hint {hint_id}.", "error")
        return _back(found)
    record_action(found.name, "hint.give", {"team": team, "hint": hint_id})
    flash(f"Hint {hint_id} given to {team}.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/grade-report", methods=["POST"])
@require(*STAFF_ROLES)
def grade_report(name: str) -> Response:
    found = exercise(name)
    report_id = form_id(request.form, "report")
    points = form_float(request.form, "points") if request.form.get("points") else None
    with Session(web_context().engine) as session:
        report = session.get(IncidentReport, report_id)
    if report is None or report.exercise_id != found.id:
        abort(404)
    accept = request.form.get("decision") == "accept"
    reason = form_text(request.form, "reason", 2000)
    override_match(web_context().engine, found, report.team, report.uid, accept=accept,
                   actor=user().username, reason=reason, points=points)
    record_action(found.name, "report.grade",
                  {"incident": report.uid, "accept": accept, "points": points, "reason": reason})
    flash(f"Report {report.title!r} {'accepted' if accept else 'rejected'}.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/grade-inject", methods=["POST"])
@require(*STAFF_ROLES)
def grade_inject(name: str) -> Response:
    found = exercise(name)
    team = _team(found)
    inject_ref = form_text(request.form, "inject", 64)
    points = form_float(request.form, "points")
    reason = form_text(request.form, "reason", 2000)
    record_inject_grade(web_context().engine, found, team, inject_ref, points,
                        actor=user().username, reason=reason)
    record_action(found.name, "inject.grade",
                  {"team": team, "inject": inject_ref, "points": points, "reason": reason})
    flash(f"Inject response of {team} graded: {points} points.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/adjust", methods=["POST"])
@require(*STAFF_ROLES)
def adjust(name: str) -> Response:
    found = exercise(name)
    team = _team(found)
    points = form_float(request.form, "points")
    reason = form_text(request.form, "reason", 2000)
    record_adjustment(web_context().engine, found, team, points, actor=user().username,
                      reason=reason)
    record_action(found.name, "score.adjust", {"team": team, "points": points, "reason": reason})
    flash(f"Score of {team} adjusted by {points}.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/findings/draft", methods=["POST"])
@require(*STAFF_ROLES)
def draft_findings(name: str) -> Response:
    found = exercise(name)
    created = draft_from_facts(web_context().engine, found.name, actor=user().username)
    record_action(found.name, "finding.draft-all", {"created": len(created)})
    flash(f"{len(created)} finding(s) drafted from the ledger.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/findings/<int:finding_id>", methods=["POST"])
@require(*STAFF_ROLES)
def edit_finding(name: str, finding_id: int) -> Response:
    found = exercise(name)
    lists = {"techniques", "affected_hosts"}
    fields: dict[str, Any] = {
        k: form_text(request.form, k) for k in EDITABLE - lists if k in request.form
    }
    if "cvss_vector" in fields and not fields["cvss_vector"]:
        fields["cvss_vector"] = None
    for key in sorted(lists & set(request.form)):
        fields[key] = [p.strip() for p in form_text(request.form, key).split(",") if p.strip()]
    confirm = request.form.get("confirm") == "1"
    update_finding(web_context().engine, found.name, finding_id, user().username,
                   confirm=confirm, **fields)
    record_action(found.name, "finding.confirm" if confirm else "finding.edit",
                  {"finding": finding_id, "fields": sorted(fields)})
    flash(f"Finding {finding_id} {'confirmed' if confirm else 'saved'}.", "ok")
    return _back(found)
