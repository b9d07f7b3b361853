"""The Access page: a participant's VPN config (file and QR code) and terminals.

Red and blue users download their own team's config here; the download is
the same audited action as `cyberrange access config`. Staff and auditors
see every team's endpoint and who holds a peer, never a key.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, send_file
from werkzeug.wrappers import Response

from range.access.config import ClientConfig
from webui.auth import require
from webui.errors import ApiError
from webui.pagekit import READ_ALL_ROLES, TEAM_ROLES, exercise, own_team
from webui.pagekit import user as me
from webui.vpn import config_qr, config_text, endpoints, own_config, range_plan

bp = Blueprint("access", __name__)


@bp.route("/x/<name>/access")
@require(*TEAM_ROLES, *READ_ALL_ROLES)
def index(name: str) -> str:
    found = exercise(name)
    teams = None if me().role in READ_ALL_ROLES else {own_team(found)}
    try:
        views = endpoints(range_plan(found), teams)
    except ApiError as exc:
        abort(exc.status, description=exc.message)
    return render_template("access.html", exercise=found, vpns=views)


@bp.route("/x/<name>/access/vpn.conf")
@require(*TEAM_ROLES)
def config_file(name: str) -> Response:
    config = _config(name)
    body = io.BytesIO(config_text(config).encode())
    return _private(send_file(body, mimetype="text/plain", as_attachment=True,
                              download_name=f"{config.range}-{config.user}.conf"))


@bp.route("/x/<name>/access/vpn.png")
@require(*TEAM_ROLES)
def config_qr_image(name: str) -> Response:
    return _private(send_file(io.BytesIO(config_qr(_config(name))), mimetype="image/png"))


def _config(name: str) -> ClientConfig:
    found = exercise(name)
    try:
        return own_config(found, me().username, own_team(found))
    except ApiError as exc:
        abort(exc.status, description=exc.message)
    raise AssertionError("abort raises")  # for the type checker


def _private(response: Response) -> Response:
    """A key inside: no cache may keep it."""
    response.headers["Cache-Control"] = "no-store"
    return response
