"""Challenges in the API: the list a team sees, answers, hint unlocks, files, the board
and its exports. Each route only translates: the rules are in scoring.challenges and
the actions (facts and audit in one transaction) in records.challenge_actions."""

from __future__ import annotations

import io
from typing import Annotated, Any

from flask import Response, send_file
from pydantic import StringConstraints

from records.challenge_actions import AnswerRequest, take_hint
from scoring.challenges.board import challenge_board
from scoring.challenges.feeds import ctfd_scoreboard_csv, ctftime_feed
from scoring.challenges.listing import challenge_list, team_file
from scoring.ledger import load_teams
from webui.api.common import READERS, caller, engine, exercise, own_team
from webui.api.models import Strict
from webui.api.registry import api_route
from webui.challenge_commit import writer
from webui.challenge_state import board as cached_board
from webui.challenge_state import catalog

X = "/exercises/<ex>/challenges"
TEAMS = frozenset({"red", "blue"})
MAX_ANSWER = 1000


class AnswerBody(Strict):
    answer: Annotated[str, StringConstraints(min_length=1, max_length=MAX_ANSWER)]


def _team_or_staff(ex: str) -> str | None:
    """The caller's team (red/blue), or None for readers who see everything."""
    if str(caller().role) in READERS:
        return None
    return own_team(exercise(ex))


@api_route("GET", X, roles=TEAMS | READERS, tag="challenges", summary="List challenges",
           response="the challenges the caller's team sees (value now, solves, locked, hints, "
                    "files); readers see every challenge")
def list_challenges(ex: str) -> dict[str, Any]:
    team = _team_or_staff(ex)
    return {"team": team, "challenges": challenge_list(engine(), ex, team, str(caller().role))}


@api_route("POST", f"{X}/<int:number>/attempts", roles=TEAMS, body=AnswerBody,
           tag="challenges", summary="Answer a challenge",
           response="the outcome: correct, incorrect, already-solved, locked, exhausted, "
                    "rate-limited or closed; every answer is recorded and audited")
def answer(ex: str, number: int, body: AnswerBody) -> dict[str, Any]:
    found = exercise(ex)
    team, known = own_team(found), catalog(found.name)
    request = AnswerRequest(team, known.by_number(number).name, body.answer,
                            caller().username)
    result = writer().answer(engine(), known, request)
    return {"challenge": number, "outcome": result.outcome.value, "message": result.message}


@api_route("POST", f"{X}/<int:number>/hints/<int:hint>", roles=TEAMS, tag="challenges",
           summary="Unlock a hint",
           response="the hint's text; its cost is deducted from the team once (409 the "
                    "second time)")
def unlock(ex: str, number: int, hint: int) -> dict[str, Any]:
    found = exercise(ex)
    team, known = own_team(found), catalog(found.name)
    taken = take_hint(engine(), found.name, team, known.by_number(number).name, hint,
                      caller().username, known)
    return {"challenge": number, "hint": hint, "cost": taken.cost, "content": taken.content}


@api_route("GET", f"{X}/<int:number>/files/<int:index>", roles=TEAMS | READERS,
           tag="challenges", summary="Download a challenge file", download=True,
           response="file ``index`` (0-based, in the order of the challenge's files) "
                    "(teams: once the challenge is unlocked)")
def download(ex: str, number: int, index: int) -> Response:
    path, content = team_file(engine(), ex, _team_or_staff(ex), number, index)
    return send_file(io.BytesIO(content), mimetype="application/octet-stream",
                     as_attachment=True, download_name=path.rsplit("/", 1)[-1])


@api_route("GET", f"{X}/board", roles=TEAMS | READERS, tag="challenges",
           summary="Challenge board",
           response="standings and challenge values (teams see the board as of the freeze)")
def board(ex: str) -> dict[str, Any]:
    found = cached_board(exercise(ex).name, str(caller().role))
    return {"exercise": found.exercise, "frozen": found.frozen,
            "standings": [{"pos": s.rank, "team": s.team, "score": s.score,
                           "solves": s.solves} for s in found.standings],
            "challenges": [{"name": c.name, "category": c.category, "value": c.value,
                            "solves": c.solves} for c in found.challenges]}


@api_route("GET", f"{X}/ctftime.json", roles=TEAMS | READERS, tag="challenges",
           summary="CTFtime scoreboard feed",
           response="the board in CTFtime's JSON feed format (frozen for teams)")
def ctftime(ex: str) -> dict[str, Any]:
    return ctftime_feed(challenge_board(engine(), exercise(ex).name, str(caller().role)))


@api_route("GET", f"{X}/scoreboard.csv", roles=READERS, tag="challenges", download=True,
           summary="CTFd scoreboard CSV",
           response="the board as CTFd's scoreboard CSV (teams mode)")
def ctfd_csv(ex: str) -> Response:
    found = exercise(ex)
    assert found.id is not None
    ids = {t.name: i + 1 for i, t in enumerate(load_teams(engine(), found.id))}
    text = ctfd_scoreboard_csv(challenge_board(engine(), found.name, str(caller().role)), ids)
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={found.name}-scoreboard.csv"})
