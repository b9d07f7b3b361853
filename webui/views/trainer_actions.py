"""What the trainer console changes: exercise state, injects, hints, grades,
score adjustments and findings. Every action is audited."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from range.errors import CyberrangeError, NotFoundError
from records import actions
from records.findings import EDITABLE, draft_from_facts, update_finding
from scoring.exercise import TRANSITIONS
from scoring.tables import Exercise
from webui.app import web_context
from webui.auth import require
from webui.pagekit import (
    STAFF_ROLES,
    acting,
    exercise,
    form_float,
    form_id,
    form_text,
    record_action,
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
    who = acting()
    try:  # the STATE fact names the channel too (web:<user>)
        actions.change_state(web_context().engine, found.name, action,
                             replace(who, name=who.audit_name))
    except CyberrangeError as exc:
        flash(str(exc), "error")
        return _back(found)
    flash(f"Exercise {action}: done.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/inject", methods=["POST"])
@require(*STAFF_ROLES)
def inject(name: str) -> Response:
    found = exercise(name)
    to = form_text(request.form, "to", 64) or "all"
    message = form_text(request.form, "message", 4000)
    if not message:
        abort(400, description="an inject needs a message")
    actions.send_inject(web_context().engine, found, to, message, acting())
    flash(f"Inject sent to {to}.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/hint", methods=["POST"])
@require(*STAFF_ROLES)
def hint(name: str) -> Response:
    found = exercise(name)
    team = _team(found)
    hint_id = form_text(request.form, "hint", 64)
    try:
        actions.give_hint(web_context().engine, found, team, hint_id, acting())
    except NotFoundError as exc:  # no such hint in the scenario: a bad form
        abort(400, description=str(exc))
    except CyberrangeError as exc:  # e.g. DuplicateError: this team already has it
        flash(f"{str(exc)[:1].upper()}{str(exc)[1:]}.", "error")
        return _back(found)
    flash(f"Hint {hint_id} given to {team}.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/grade-report", methods=["POST"])
@require(*STAFF_ROLES)
def grade_report(name: str) -> Response:
    found = exercise(name)
    report_id = form_id(request.form, "report")
    points = form_float(request.form, "points") if request.form.get("points") else None
    accept = request.form.get("decision") == "accept"
    reason = form_text(request.form, "reason", 2000)
    graded = actions.grade_report(web_context().engine, found, report_id, accept=accept,
                                  reason=reason, points=points, actor=acting())
    flash(f"Report {graded.report.title!r} {'accepted' if accept else 'rejected'}.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/grade-inject", methods=["POST"])
@require(*STAFF_ROLES)
def grade_inject(name: str) -> Response:
    found = exercise(name)
    team = _team(found)
    inject_ref = form_text(request.form, "inject", 64)
    points = form_float(request.form, "points")
    reason = form_text(request.form, "reason", 2000)
    actions.grade_inject(web_context().engine, found, team, inject_ref, points, reason, acting())
    flash(f"Inject response of {team} graded: {points} points.", "ok")
    return _back(found)


@bp.route("/x/<name>/console/adjust", methods=["POST"])
@require(*STAFF_ROLES)
def adjust(name: str) -> Response:
    found = exercise(name)
    team = _team(found)
    points = form_float(request.form, "points")
    reason = form_text(request.form, "reason", 2000)
    actions.adjust_score(web_context().engine, found, team, points, reason, acting())
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
