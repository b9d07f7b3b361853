"""The admin page: users and teams, participant import from CSV."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from range.errors import CyberrangeError
from webui import credentials
from webui.accounts import UserRole, create_user, get_user
from webui.app import web_context
from webui.auth import require
from webui.membership import join, members
from webui.pagekit import form_text, record_action, user
from webui.participants import import_participants
from webui.useradmin import all_users, set_team, teams

bp = Blueprint("admin", __name__)


def _back() -> Response:
    return redirect(url_for("admin.index"))


@bp.route("/admin")
@require(UserRole.ADMIN)
def index() -> str:
    users = all_users(web_context().engine)
    return render_template("admin.html", users=users, teams=teams(users),
                           roles=[r.value for r in UserRole],
                           members=members(web_context().engine))


@bp.route("/admin/users", methods=["POST"])
@require(UserRole.ADMIN)
def create() -> Response:
    username = form_text(request.form, "username", 64)
    role = form_text(request.form, "role", 16)
    try:
        create_user(web_context().engine, username, request.form.get("password", ""), role,
                    team=form_text(request.form, "team", 64) or None,
                    display_name=form_text(request.form, "display_name", 200))
    except (CyberrangeError, ValueError) as exc:
        flash(f"Cannot create {username!r}: {exc}", "error")
        return _back()
    record_action(None, "user.create", {"username": username, "role": role})
    flash(f"User {username} created.", "ok")
    return _back()


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@require(UserRole.ADMIN)
def activate(user_id: int) -> Response:
    active = request.form.get("active") == "1"
    if user_id == user().id and not active:
        abort(400, description="you cannot deactivate your own account")
    engine = web_context().engine
    changed = credentials.set_active(engine, user().username, get_user(engine, user_id).username,
                                     active, via="web")  # deactivation ends its sessions
    flash(f"User {changed.username} {'activated' if active else 'deactivated'}.", "ok")
    return _back()


@bp.route("/admin/users/<int:user_id>/team", methods=["POST"])
@require(UserRole.ADMIN)
def team(user_id: int) -> Response:
    try:
        changed = set_team(web_context().engine, user_id, form_text(request.form, "team", 64))
    except CyberrangeError as exc:
        flash(str(exc), "error")
        return _back()
    record_action(None, "user.team", {"username": changed.username, "team": changed.team})
    flash(f"User {changed.username} is now in team {changed.team}.", "ok")
    return _back()


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@require(UserRole.ADMIN)
def reset_password(user_id: int) -> Response:
    engine = web_context().engine
    target = get_user(engine, user_id)
    try:
        credentials.reset_password(engine, user().username, target.username,
                                   request.form.get("password", ""), via="web")
    except CyberrangeError as exc:
        flash(f"Password of {target.username} not reset: {exc}", "error")
        return _back()
    flash(f"Password of {target.username} reset; its sessions have ended.", "ok")
    return _back()


@bp.route("/admin/members", methods=["POST"])
@require(UserRole.ADMIN)
def add_member() -> Response:
    exercise_name = form_text(request.form, "exercise", 200)
    try:
        member = join(web_context().engine, form_text(request.form, "username", 64),
                      exercise_name, form_text(request.form, "team", 64) or None,
                      actor=user().username)  # the roster writes the audit entry
    except CyberrangeError as exc:
        flash(f"Not added: {exc}", "error")
        return _back()
    flash(f"{member.username} plays {member.team} in {member.exercise}.", "ok")
    return _back()


@bp.route("/admin/import", methods=["POST"])
@require(UserRole.ADMIN)
def import_csv() -> Response:
    upload = request.files.get("participants")
    if upload is None or not upload.filename:
        flash("Choose a CSV file to import.", "error")
        return _back()
    try:
        text = upload.stream.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        flash("The CSV file must be UTF-8 text.", "error")
        return _back()
    report = import_participants(web_context().engine, csv.DictReader(io.StringIO(text)))
    record_action(None, "user.import", {"created": report.created, "errors": len(report.errors)})
    for line in report.errors[:50]:
        flash(line, "error")
    flash(f"Imported {report.created} user(s), {len(report.errors)} error(s).", "ok")
    return _back()
