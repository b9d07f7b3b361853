"""The scoreboard page, its JSON, and the live event stream (server-sent events)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, stream_with_context

from webui.app import web_context
from webui.auth import require
from webui.boardjson import board_events, board_payload, fingerprint
from webui.pagekit import exercise, user

bp = Blueprint("scoreboard", __name__)


@bp.route("/x/<name>/scoreboard")
@require()
def board(name: str) -> str:
    found = exercise(name)
    payload = board_payload(web_context().engine, found.name, str(user().role))
    return render_template("scoreboard.html", exercise=found, board=payload)


@bp.route("/x/<name>/scoreboard.json")
@require()
def board_json(name: str) -> Response:
    found = exercise(name)
    return jsonify(board_payload(web_context().engine, found.name, str(user().role)))


@bp.route("/x/<name>/events")
@require()
def events(name: str) -> Response:
    found = exercise(name)
    engine, role = web_context().engine, str(user().role)

    def load() -> dict[str, object]:
        return board_payload(engine, found.name, role)

    def changed() -> object:
        return fingerprint(engine, found.name)

    stream = board_events(load, changed)
    response = Response(stream_with_context(stream), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx in front must not buffer events
    return response
