"""The challenges page: a team lists challenges, answers them, unlocks hints, downloads
files; staff see every challenge. The actions are records.challenge_actions'."""

from __future__ import annotations

import io

from flask import Blueprint, Response, render_template, request, send_file
from werkzeug.wrappers import Response as BaseResponse

from records.challenge_actions import AnswerRequest, take_hint
from scoring.challenges.listing import challenge_list, team_file
from scoring.tables import Exercise
from webui.app import web_context
from webui.auth import require
from webui.challenge_commit import writer
from webui.challenge_state import board, catalog
from webui.pagekit import READ_ALL_ROLES, TEAM_ROLES, exercise, own_team, user

bp = Blueprint("challenges", __name__)
MAX_ANSWER = 1000


def _team(found: Exercise) -> str | None:
    return None if user().role in READ_ALL_ROLES else own_team(found)


def _page(found: Exercise, message: str = "", status: int = 200) -> tuple[str, int]:
    engine, team, role = web_context().engine, _team(found), str(user().role)
    return render_template(
        "challenges.html", exercise=found, team=team, message=message,
        challenges=challenge_list(engine, found.name, team, role),
        board=board(found.name, role)), status


@bp.route("/x/<name>/challenges")
@require(*TEAM_ROLES, *READ_ALL_ROLES)
def index(name: str) -> tuple[str, int]:
    return _page(exercise(name))


@bp.route("/x/<name>/challenges/<int:number>/answer", methods=["POST"])
@require(*TEAM_ROLES)
def answer(name: str, number: int) -> tuple[str, int]:
    found = exercise(name)
    team = own_team(found)
    text = str(request.form.get("answer", "")).strip()[:MAX_ANSWER]
    if not text:
        return _page(found, "type an answer first", 400)
    known = catalog(found.name)
    asked = AnswerRequest(team, known.by_number(number).name, text, user().username)
    result = writer().answer(web_context().engine, known, asked)
    return _page(found, f"{result.challenge}: {result.outcome.value} — {result.message}")


@bp.route("/x/<name>/challenges/<int:number>/hints/<int:hint>", methods=["POST"])
@require(*TEAM_ROLES)
def hint(name: str, number: int, hint: int) -> tuple[str, int]:
    found = exercise(name)
    team = own_team(found)
    known = catalog(found.name)
    taken = take_hint(web_context().engine, found.name, team, known.by_number(number).name,
                      hint, user().username, known)
    return _page(found, f"hint {hint} unlocked (cost {taken.cost})")


@bp.route("/x/<name>/challenges/<int:number>/files/<int:index>")
@require(*TEAM_ROLES, *READ_ALL_ROLES)
def download(name: str, number: int, index: int) -> BaseResponse | Response:
    found = exercise(name)
    path, content = team_file(web_context().engine, found.name, _team(found), number, index)
    return send_file(io.BytesIO(content), mimetype="application/octet-stream",
                     as_attachment=True, download_name=path.rsplit("/", 1)[-1])
