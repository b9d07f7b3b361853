"""The scoreboard page, its JSON, and the live event stream (server-sent events)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, stream_with_context

from webui.app import web_context
from webui.auth import require
from webui.boardcache import board_version, boards
from webui.boardjson import RETRY_SECONDS, SLOTS_KEY, StreamSlots, board_events
from webui.pagekit import exercise, user

bp = Blueprint("scoreboard", __name__)


@bp.route("/x/<name>/scoreboard")
@require()
def board(name: str) -> str:
    found = exercise(name)
    payload = boards().payload(web_context().engine, found.name, str(user().role))
    return render_template("scoreboard.html", exercise=found, board=payload)


@bp.route("/x/<name>/scoreboard.json")
@require()
def board_json(name: str) -> Response:
    found = exercise(name)
    return jsonify(boards().payload(web_context().engine, found.name, str(user().role)))


@bp.route("/x/<name>/events")
@require()
def events(name: str) -> Response:
    found = exercise(name)
    engine, role, cache = web_context().engine, str(user().role), boards()
    slots: StreamSlots = current_app.extensions[SLOTS_KEY]
    holder = f"user:{user().id}"
    if not slots.take(holder):
        mine = slots.user_full(holder)
        busy = Response("you hold the live streams you may; poll scoreboard.json\n" if mine
                        else "every live stream of this server is taken; poll scoreboard.json\n",
                        status=429 if mine else 503, mimetype="text/plain")
        busy.headers["Retry-After"] = str(RETRY_SECONDS)
        return busy

    def load() -> dict[str, object]:
        return cache.payload(engine, found.name, role)

    def changed() -> object:
        return board_version(engine, found.name)

    stream = board_events(load, changed, stopping=slots.stopping)
    response = Response(stream_with_context(stream), mimetype="text/event-stream")
    response.call_on_close(lambda: slots.give_back(holder))  # also when the browser went away
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx in front must not buffer events
    return response
