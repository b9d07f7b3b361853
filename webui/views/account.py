"""The account page: change your password, issue, list and revoke your API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from range.errors import CyberrangeError
from webui import credentials
from webui.app import web_context
from webui.auth import require
from webui.membership import members
from webui.pagekit import form_text, user
from webui.passwords import MIN_LENGTH

bp = Blueprint("account", __name__)


def _page(new_token: str | None = None) -> str:
    engine, me = web_context().engine, user()
    mine = [m for m in members(engine) if m.username == me.username]
    return render_template(
        "account.html",
        user=me,
        tokens=credentials.tokens_of(engine, me.username),
        memberships=mine,
        new_token=new_token,
        min_length=MIN_LENGTH,
        max_days=credentials.MAX_TOKEN_DAYS,
    )


@bp.route("/account")
@require()
def index() -> str:
    return _page()


@bp.route("/account/password", methods=["POST"])
@require()
def password() -> Response | tuple[str, int]:
    try:
        credentials.change_password(
            web_context().engine,
            user().username,
            request.form.get("current_password", ""),
            request.form.get("new_password", ""),
            via="web",
        )
    except CyberrangeError as exc:
        flash(f"Password not changed: {exc}", "error")
        return _page(), 400
    flash("Password changed: every session has ended; log in with the new password.", "ok")
    return redirect(url_for("auth.login"))


@bp.route("/account/tokens", methods=["POST"])
@require()
def issue() -> str | tuple[str, int]:
    raw = form_text(request.form, "days", 20) or "90"
    try:
        days = float(raw)
        token, _info = credentials.issue(
            web_context().engine,
            user().username,
            user().username,
            form_text(request.form, "label", 200),
            days,
            via="web",
        )
    except (CyberrangeError, ValueError) as exc:
        flash(f"No token issued: {exc}", "error")
        return _page(), 400
    flash("Token issued: copy it now, it is not shown again.", "ok")
    return _page(new_token=token)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@require()
def revoke(token_id: int) -> Response:
    credentials.revoke(web_context().engine, user().username, token_id, user().username, via="web")
    flash(f"Token {token_id} revoked.", "ok")
    return redirect(url_for("account.index"))
