"""Coordination pages: message threads, SITREPs, and the white cell's view of
requests and SITREP slots. Thin adapters over records.coordination; a refusal
shows its message on the page with its status (403, 404, 413, 422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from records.coordination.errors import CoordinationError, NotAParty
from records.coordination.parties import Actor, directory
from records.coordination.reading import attachment, read_thread, visible_threads
from records.coordination.requests import grade_answer, pending
from records.coordination.sitreps import (
    FIELDS,
    SitrepInput,
    file_sitrep,
    grade_sitrep,
    rule_of,
    schedule,
    sitreps,
)
from records.coordination.threads import Draft, open_thread, reply
from records.tables import Tlp
from scoring.exercise import game_seconds
from scoring.tables import Exercise
from webui.accounts import UserRole
from webui.app import web_context
from webui.auth import require
from webui.coordination import actor_for, attachments, evidence_store, recipients
from webui.pagekit import (
    READ_ALL_ROLES,
    STAFF_ROLES,
    exercise,
    form_float,
    form_text,
    own_team,
    user,
)

bp = Blueprint("messages", __name__)
ALL_ROLES = tuple(UserRole)
WRITERS = (UserRole.RED, UserRole.BLUE, *STAFF_ROLES)
TLPS = [t.value for t in Tlp]


def _actor(found: Exercise) -> Actor:
    me = user()
    return actor_for(me, own_team(found) if me.role.has_team else None)


def _refused(page: Callable[[str, int], Any], action: Callable[[], Response]) -> Any:
    """Run ``action``; a refusal re-renders ``page`` with its message and status."""
    try:
        return action()
    except NotAParty:
        abort(404)
    except CoordinationError as exc:
        return page(str(exc), exc.status)


@bp.route("/x/<name>/messages")
@require(*ALL_ROLES)
def inbox(name: str, error: str = "", status: int = 200) -> tuple[str, int]:
    found = exercise(name)
    actor = _actor(found)
    engine = web_context().engine
    parties = directory(engine, found)
    page = render_template("messages.html", exercise=found, error=error, form=request.form,
                           threads=visible_threads(engine, found.name, actor),
                           voices=parties.voices(actor), parties=parties.parties(),
                           organisations=parties.organisations, tlps=TLPS)
    return page, status


@bp.route("/x/<name>/messages", methods=["POST"])
@require(*WRITERS)
def new_thread(name: str) -> Any:
    found = exercise(name)
    due = form_text(request.form, "due_minutes", 10)
    points = form_text(request.form, "points", 10) or "0"

    def send() -> Response:
        if not (due or "0").isdigit() or not points.isdigit():
            raise CoordinationError("due and points: whole numbers", field="due")
        draft = Draft(form_text(request.form, "subject", 200), form_text(request.form, "body"),
                      recipients(form_text(request.form, "to", 1000)),
                      form_text(request.form, "tlp", 20) or "AMBER",
                      form_text(request.form, "as", 64) or None,
                      attachments(request.files.getlist("file")),
                      int(due) * 60 if due else None,
                      int(points) if due else 0)
        thread = open_thread(web_context().engine, evidence_store(), found.name, _actor(found),
                             draft, via="web")
        return redirect(url_for("messages.thread", name=found.name, uid=thread.uid))

    return _refused(lambda error, status: inbox(name, error, status), send)


@bp.route("/x/<name>/messages/<uid>")
@require(*ALL_ROLES)
def thread(name: str, uid: str, error: str = "", status: int = 200) -> tuple[str, int]:
    found = exercise(name)
    actor = _actor(found)
    try:
        view = read_thread(web_context().engine, found.name, actor, uid, via="web")
    except NotAParty:
        abort(404)
    parties = directory(web_context().engine, found)
    voices = [v for v in parties.voices(actor) if v in view.parties]
    return render_template("message_thread.html", exercise=found, view=view, error=error,
                           voices=voices, tlps=TLPS, now=game_seconds(found)), status


@bp.route("/x/<name>/messages/<uid>", methods=["POST"])
@require(*WRITERS)
def answer(name: str, uid: str) -> Any:
    found = exercise(name)

    def send() -> Response:
        reply(web_context().engine, evidence_store(), found.name, _actor(found), uid,
              form_text(request.form, "body"), tlp=form_text(request.form, "tlp", 20) or None,
              sender=form_text(request.form, "as", 64) or None,
              attachments=attachments(request.files.getlist("file")), via="web")
        return redirect(url_for("messages.thread", name=found.name, uid=uid))

    return _refused(lambda error, status: thread(name, uid, error, status), send)


@bp.route("/x/<name>/messages/<uid>/attachments/<int:evidence_id>")
@require(*ALL_ROLES)
def download(name: str, uid: str, evidence_id: int) -> Response:
    found = exercise(name)
    try:
        item = attachment(web_context().engine, found.name, _actor(found), uid, evidence_id)
    except NotAParty:
        abort(404)
    return send_file(evidence_store().path_of(item), mimetype=item.media_type,
                     as_attachment=True, download_name=item.original_name)


@bp.route("/x/<name>/sitreps")
@require(UserRole.BLUE, *READ_ALL_ROLES)
def sitrep_page(name: str, error: str = "", status: int = 200) -> tuple[str, int]:
    found = exercise(name)
    actor = _actor(found)
    engine = web_context().engine
    rule = rule_of(directory(engine, found))
    return render_template("sitreps.html", exercise=found, error=error, form=request.form,
                           reports=sitreps(engine, found.name, actor), fields=FIELDS,
                           rubric=rule.rubric, every=rule.every, tlps=TLPS,
                           can_file=actor.team is not None, can_grade=actor.staff), status


@bp.route("/x/<name>/sitreps", methods=["POST"])
@require(UserRole.BLUE)
def sitrep_file(name: str) -> Any:
    found = exercise(name)

    def send() -> Response:
        texts = {field: form_text(request.form, field) for field in FIELDS}
        data = SitrepInput(**texts, tlp=form_text(request.form, "tlp", 20) or "AMBER")
        file_sitrep(web_context().engine, found.name, _actor(found), data, via="web")
        flash("SITREP filed.", "ok")
        return redirect(url_for("messages.sitrep_page", name=found.name))

    return _refused(lambda error, status: sitrep_page(name, error, status), send)


@bp.route("/x/<name>/sitreps/<uid>/grade", methods=["POST"])
@require(*STAFF_ROLES)
def sitrep_grade(name: str, uid: str) -> Any:
    found = exercise(name)
    rubric = rule_of(directory(web_context().engine, found)).rubric

    def send() -> Response:
        scores = {}
        for criterion in rubric:
            text = form_text(request.form, f"score-{criterion}", 10)
            if not text.isdigit():
                raise CoordinationError(f"{criterion}: a whole number", field=criterion)
            scores[criterion] = int(text)
        grade_sitrep(web_context().engine, found.name, _actor(found), uid, scores,
                     form_text(request.form, "reason", 2000), via="web")
        flash("SITREP graded.", "ok")
        return redirect(url_for("messages.sitrep_page", name=found.name))

    return _refused(lambda error, status: sitrep_page(name, error, status), send)


@bp.route("/x/<name>/coordination")
@require(*READ_ALL_ROLES)
def console(name: str, error: str = "", status: int = 200) -> tuple[str, int]:
    """The white cell's view: every request's answers, every SITREP slot due."""
    found = exercise(name)
    engine = web_context().engine
    return render_template("coordination.html", exercise=found, error=error,
                           requests=pending(engine, found.name),
                           slots=schedule(engine, found.name), now=game_seconds(found),
                           can_grade=user().role in STAFF_ROLES), status


@bp.route("/x/<name>/coordination/grade", methods=["POST"])
@require(*STAFF_ROLES)
def grade(name: str) -> Any:
    found = exercise(name)

    def send() -> Response:
        grade_answer(web_context().engine, found.name, _actor(found),
                     form_text(request.form, "uid", 64), form_text(request.form, "team", 64),
                     form_float(request.form, "points", 10_000),
                     form_text(request.form, "reason", 2000), via="web")
        flash("Answer graded.", "ok")
        return redirect(url_for("messages.console", name=found.name))

    return _refused(lambda error, status: console(name, error, status), send)
