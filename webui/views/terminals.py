"""Browser terminals: the host list, the terminal page and its WebSocket, replays.

Who may do what (checked before any WebSocket handshake, so a refusal is a
plain 403/404 answer):
- red and blue users open terminals on the hosts their team is granted
  (:func:`range.shell_grants.shell_grants`); any other host of the range
  answers 403, a host the range does not have 404;
- white team and admins open any host of the range;
- white team, admins and auditors watch live sessions and replay recordings,
  read only: a watcher's socket never reaches a shell.
The WebSocket handshake must come from this site (its Origin header names
this host); session cookies alone would let another site's page open it.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, render_template, request, send_file
from flask_sock import Sock
from werkzeug.wrappers import Response

from range.backends import get_backend
from range.backends.tty_session import MARKER, TtySession, clamp_size, reap_marked
from range.errors import BackendError, NotFoundError
from range.plan import ROLE_HOST, ContainerPlan, Plan
from range.shell_grants import shell_grants
from range.state import get_record, plan_from_dict
from records.recordings import new_session_id, recording_path
from records.terminal_sessions import (
    Target,
    close_orphan,
    close_session,
    open_session,
    session_info,
    sessions,
)
from webui.app import web_context
from webui.auth import require
from webui.pagekit import READ_ALL_ROLES, STAFF_ROLES, TEAM_ROLES, exercise, own_team, scenario_of
from webui.pagekit import user as me
from webui.terminal_run import bridge, follow
from webui.terminal_slots import SessionSlots
from webui.xterm_assets import bp as assets_bp

bp = Blueprint("terminals", __name__)
sock = Sock()
SLOTS_KEY = "cyberrange.terminal-slots"
OPENERS = (*TEAM_ROLES, *STAFF_ROLES)
SOCKET_ENDPOINTS = {"terminals.shell_socket", "terminals.watch_socket"}


def blueprints() -> list[Blueprint]:
    return [bp, assets_bp]


def slots() -> SessionSlots:
    found: SessionSlots | None = current_app.extensions.get(SLOTS_KEY)
    if found is None:
        config = current_app.config
        found = SessionSlots(web_context().settings.data_dir, config["TERMINAL_SESSIONS_PER_USER"])
        current_app.extensions[SLOTS_KEY] = found
    return found


def _range_plan(range_name: str) -> tuple[Plan, str]:
    """The deployed range's plan and the backend it runs on (404 when not deployed)."""
    record = get_record(web_context().engine, range_name)
    if not record.plan:
        raise NotFoundError(f"range {range_name!r} has no plan yet")
    return plan_from_dict(record.plan), record.backend


def _openable(name: str) -> tuple[list[ContainerPlan], str]:
    """The containers the current user may open, and the team they act for."""
    found = exercise(name)
    plan, _ = _range_plan(found.range_name)
    if me().role in STAFF_ROLES:
        return [c for c in plan.containers if c.role == ROLE_HOST], str(me().role)
    team = own_team(found)
    return shell_grants(plan, scenario_of(found), team), team


def _granted(name: str, host: str, copy: int) -> tuple[ContainerPlan, str]:
    containers, team = _openable(name)
    for container in containers:
        if container.host == host and container.copy == copy:
            return container, team
    plan, _ = _range_plan(exercise(name).range_name)
    if not any(c.host == host and c.copy == copy for c in plan.containers):
        abort(404, description=f"the range has no host {host!r} in copy {copy}")
    abort(403, description=f"{host} (copy {copy}) is not granted to {team}")
    raise AssertionError("abort raises")  # for the type checker


@bp.before_app_request
def _check_socket() -> Response | None:
    """Everything a WebSocket must pass, before its handshake, so refusals are plain
    HTTP answers: login (302), role (403), an upgrade at all (400), this site's
    Origin (403), the grant (403/404), a free session slot (429)."""
    if request.endpoint not in SOCKET_ENDPOINTS:
        return None
    watching = request.endpoint == "terminals.watch_socket"
    refused: Response | None = require(*(READ_ALL_ROLES if watching else OPENERS))(_nothing)()
    if refused is not None:
        return refused
    if request.headers.get("Upgrade", "").lower() != "websocket":
        abort(400, description="this address only speaks WebSocket")
    if urlsplit(request.headers.get("Origin", "")).netloc != request.host:
        abort(403, description="WebSocket from another site refused")
    args = request.view_args or {}
    if watching:
        session_info(web_context().engine, exercise(args["name"]).name, args["session"])
        return None
    end_orphans()
    g.terminal = _granted(args["name"], args["host"], args["copy"])
    g.terminal_session = new_session_id()
    if not slots().take(g.terminal_session, me().username, args["name"]):
        del g.terminal_session
        abort(429, description="too many terminals open: close one first")
    return None


def end_orphans() -> None:
    """End the shells of sessions whose server worker died mid-session (see
    SessionSlots.claim_orphans) and close their audit entries."""
    settings, engine = web_context().settings, web_context().engine
    for session, rec in slots().claim_orphans():
        if "container" not in rec:
            continue  # died before its shell started
        backend = get_backend(dataclasses.replace(settings, backend=str(rec["backend"])))
        with contextlib.suppress(BackendError):  # the range may be down: nothing runs then
            reap_marked(backend, str(rec["range"]), str(rec["container"]), session)
        target = Target(
            str(rec["exercise"]),
            str(rec["user"]),
            str(rec["team"]),
            str(rec["host"]),
            int(str(rec["copy"])),
            str(rec["container"]),
        )
        close_orphan(engine, settings.data_dir, target, session, "server-stopped")


def _nothing() -> None:
    return None


@bp.teardown_app_request
def _free_slot(_: BaseException | None) -> None:
    # Also when the handshake failed and the socket view never ran.
    session = g.pop("terminal_session", None)
    if session is not None:
        slots().give_back(session)


@bp.route("/x/<name>/terminals")
@require()
def index(name: str) -> str:
    found = exercise(name)
    end_orphans()
    hosts: list[ContainerPlan] = []
    if me().role in OPENERS:
        hosts, _ = _openable(name)
    recorded = sessions(web_context().engine, found.name) if me().role in READ_ALL_ROLES else []
    return render_template("terminals.html", exercise=found, hosts=hosts, sessions=recorded)


@bp.route("/x/<name>/terminal/<host>/<int:copy>")
@require(*OPENERS)
def terminal(name: str, host: str, copy: int) -> str:
    container, _ = _granted(name, host, copy)
    return render_template("terminal.html", exercise=exercise(name), container=container)


@sock.route("/x/<name>/terminal/<host>/<int:copy>/ws", bp=bp)  # type: ignore[untyped-decorator]
def shell_socket(ws: Any, name: str, host: str, copy: int) -> None:
    """A shell on the host; every byte shown and typed goes to the recording."""
    container, team = g.terminal  # checked before the handshake (_check_socket)
    found = exercise(name)
    plan, backend_name = _range_plan(found.range_name)
    settings = web_context().settings
    backend = get_backend(dataclasses.replace(settings, backend=backend_name))
    size = clamp_size(_size_arg("cols", 80), _size_arg("rows", 24))  # the recording says what ran
    target = Target(found.name, me().username, team, host, copy, container.name)
    engine = web_context().engine
    session, writer = open_session(
        engine, settings.data_dir, target, size, session=g.terminal_session
    )
    slots().describe(
        session,
        {
            "range": plan.range,
            "backend": backend_name,
            "team": team,
            "host": host,
            "copy": copy,
            "container": container.name,
        },
    )
    reason = "error"
    argv = backend.shell_argv(plan.range, container.name, tty=True, env={MARKER: session})
    try:
        tty = TtySession(argv, *size)
        reason = bridge(ws, tty, writer, float(current_app.config["TERMINAL_IDLE_SECONDS"]))
    finally:
        try:  # the engine keeps an exec's processes after its client ends: end them
            reap_marked(backend, plan.range, container.name, session)
        finally:
            close_session(engine, target, session, writer, reason)


def _size_arg(key: str, default: int) -> int:
    try:
        return int(request.args.get(key, default))
    except ValueError:
        return default


@bp.route("/x/<name>/recordings/<session>")
@require(*READ_ALL_ROLES)
def replay(name: str, session: str) -> str:
    found = exercise(name)
    info = session_info(web_context().engine, found.name, session)
    live = slots().is_live(session)
    return render_template("replay.html", exercise=found, info=info, live=live)


@bp.route("/x/<name>/recordings/<session>.cast")
@require(*READ_ALL_ROLES)
def recording(name: str, session: str) -> Response:
    found = exercise(name)
    session_info(web_context().engine, found.name, session)  # known to the audit log
    path = recording_path(web_context().settings.data_dir, found.name, session)
    if not path.exists():
        raise NotFoundError(f"the recording of session {session} is missing")
    return send_file(
        path,
        mimetype="application/x-asciicast",
        as_attachment=True,
        download_name=f"{found.name}-{session}.cast",
        max_age=0,
    )


@sock.route("/x/<name>/recordings/<session>/watch", bp=bp)  # type: ignore[untyped-decorator]
def watch_socket(ws: Any, name: str, session: str) -> None:
    """A live session, read only: the recording as it is written."""
    path = recording_path(web_context().settings.data_dir, exercise(name).name, session)
    follow(ws, path, lambda: slots().is_live(session))
