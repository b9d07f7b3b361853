"""Guided trainings in the browser (docs/training.md).

Trainees (red and blue users) start a training, get a sandbox of its pool,
and work through the levels: read, answer, take hints, see a solution,
answer an assessment. Staff and auditors follow every trainee live
(``progress.json``, polled by training.js). Trainees only ever see and act
on their own run.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from range.errors import GameError, NotFoundError
from scoring.sandboxes import repair_held
from scoring.succession import range_exercise
from scoring.training import play
from scoring.training.catalog import definitions
from scoring.training.sandboxed import begin, finish_if_done
from scoring.training.spec import AssessmentLevel, ChoiceQuestion, MatchingQuestion
from webui.app import web_context
from webui.auth import require
from webui.membership import team_in
from webui.pagekit import READ_ALL_ROLES, TEAM_ROLES
from webui.pagekit import user as me
from webui.sandbox_access import enter, go_out

bp = Blueprint("training", __name__)
DEFAULT_TTL = timedelta(hours=2)


@bp.route("/training")
@require(*TEAM_ROLES, *READ_ALL_ROLES)
def index() -> str:
    engine = web_context().engine
    rows = []
    for row in definitions(engine):
        try:
            here: play.Position | None = play.position(engine, row.name, me().username)
        except NotFoundError:
            here = None
        rows.append((row, here))
    return render_template("training_list.html", rows=rows)


@bp.route("/training/<name>/start", methods=["POST"])
@require(*TEAM_ROLES)
def start(name: str) -> Response:
    _, spec = play.definition(web_context().engine, name)
    ttl = timedelta(seconds=spec.time_limit) if spec.time_limit else DEFAULT_TTL
    engine = web_context().engine
    try:
        here = begin(web_context().settings, engine, name, me().username, ttl)
        if not here.finished:
            enter(engine, me().username, here.run.pool, here.run.sandbox)
    except GameError as exc:
        flash(str(exc), "error")
        return redirect(url_for("training.index"))
    return redirect(url_for("training.level", name=name))


@bp.route("/training/<name>")
@require(*TEAM_ROLES)
def level(name: str) -> str | Response:
    try:
        here = play.position(web_context().engine, name, me().username)
    except NotFoundError:
        return redirect(url_for("training.index"))
    way_in = None if here.finished else way_in_to(here.run.pool)
    return render_template("training_level.html", here=here, hints=_hints(here), way_in=way_in)


def way_in_to(pool: str) -> str | None:
    """The pool's exercise when the trainee is a member of it (terminals, VPN), else None."""
    exercise = range_exercise(web_context().engine, pool)
    if exercise is None or team_in(web_context().engine, me(), exercise) is None:
        return None
    return exercise.name


@bp.route("/training/<name>/<action>", methods=["POST"])
@require(*TEAM_ROLES)
def act(name: str, action: str) -> Response:
    """One step of the trainee: answer, hint, solution, next, assess."""
    engine, username = web_context().engine, me().username
    try:
        if action == "answer":
            right, _ = play.answer(engine, name, username, request.form.get("answer", "")[:500])
            flash("Right!" if right else "Not that. Try again.", "ok" if right else "error")
        elif action == "hint":
            play.take_hint(engine, name, username, _int(request.form.get("hint")))
        elif action == "solution":
            play.show_solution(engine, name, username)
        elif action == "next":
            play.read_on(engine, name, username)
        elif action == "repair":
            _repair_in_background(name, username)
            flash("Your sandbox is being repaired: give it a minute.", "ok")
        elif action == "assess":
            here = play.position(engine, name, username)
            play.assess(engine, name, username, _assessment_answers(here))
        else:
            raise NotFoundError(f"no training action {action!r}")
    except GameError as exc:
        flash(str(exc), "error")
    _give_back_when_done(name, username)
    return redirect(url_for("training.level", name=name))


@bp.route("/training/<name>/trainees")
@require(*READ_ALL_ROLES)
def trainees(name: str) -> str:
    row, _ = play.definition(web_context().engine, name)
    return render_template("training_trainees.html", training=row,
                           rows=_progress_rows(name))  # fmt: skip


@bp.route("/training/<name>/progress.json")
@require(*READ_ALL_ROLES)
def progress(name: str) -> Response:
    response = jsonify({"trainees": _progress_rows(name)})
    response.headers["Cache-Control"] = "no-store"
    return response


def _progress_rows(name: str) -> list[dict[str, Any]]:
    rows = []
    for here in play.runs(web_context().engine, name):
        total = len(here.spec.levels)
        rows.append({
            "trainee": here.run.trainee, "sandbox": here.run.sandbox, "score": here.score,
            "level": "finished" if here.finished else f"{here.run.level + 1}/{total}",
            "title": here.level.title if here.level else "",
            "hints": len(here.hints_taken), "attempts": here.attempts,
            "solution": here.solution_shown,
            "started": here.run.started_at.isoformat(timespec="seconds"),
        })  # fmt: skip
    return rows


def _hints(here: play.Position) -> list[tuple[int, str, int, str | None]]:
    """(index, title, penalty, text once taken) of the current level's hints."""
    hints = getattr(here.level, "hints", [])
    return [(i, h.title, h.penalty, h.content if i in here.hints_taken else None)
            for i, h in enumerate(hints)]  # fmt: skip


def _assessment_answers(here: play.Position) -> list[Any]:
    if not isinstance(here.level, AssessmentLevel):
        raise GameError("this level is not an assessment")
    answers: list[Any] = []
    for index, question in enumerate(here.level.questions):
        key = f"q{index}"
        if isinstance(question, ChoiceQuestion):
            answers.append([_int(v) for v in request.form.getlist(key)])
        elif isinstance(question, MatchingQuestion):
            answers.append({left: request.form.get(f"{key}-{n}", "")
                            for n, left in enumerate(question.pairs)})  # fmt: skip
        else:
            answers.append(request.form.get(key, "")[:2000])
    return answers


def _int(value: str | None) -> int:
    if value is None or not value.isdigit() or len(value) > 4:
        raise GameError("expected a small number")
    return int(value)


def _repair_in_background(name: str, username: str) -> None:
    """Dead containers of the trainee's sandbox come back (container work: seconds)."""
    settings, engine = web_context().settings, web_context().engine
    here = play.position(engine, name, username)
    if here.finished:
        raise GameError("the training is finished: your sandbox went back to the pool")
    threading.Thread(target=repair_held, args=(settings, engine, here.run.pool, username),
                     daemon=True).start()  # fmt: skip


def _give_back_when_done(name: str, username: str) -> None:
    """A finished trainee's sandbox is reset in the background (seconds of container work);
    a reset cut short leaves it 'resetting', which `pool repair` finishes."""
    settings, engine = web_context().settings, web_context().engine
    here = play.position(engine, name, username)
    if here.finished:
        go_out(engine, username, here.run.pool)
        threading.Thread(target=finish_if_done, args=(settings, engine, here), daemon=True).start()
