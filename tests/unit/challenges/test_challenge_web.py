"""Challenges through the real Flask app: the JSON API with tokens, the page with a
browser session, each answer and hint recorded once, teams kept apart."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.engine import Engine

from range.config import Settings
from records.audit import entries
from tests.unit.challenges.helpers import FIXTURES, competition, logged_in, web_app
from webui.challenge_state import BOARDS_KEY, BoardCache

X = "/api/v1/exercises/ctf/challenges"


def bearer(token: str) -> dict[str, Any]:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def test_api_list_answer_hint_files_and_exports(settings: Settings, engine: Engine) -> None:
    competition(engine, "ctf", FIXTURES / "scoring", FIXTURES / "ctfcli" / "warmup",
                FIXTURES / "ctfcli" / "test-challenge-minimal")
    app, tokens = web_app(settings, engine)
    client = app.test_client(use_cookies=False)
    ann, bea = bearer(tokens["ann"]), bearer(tokens["bea"])
    listed = client.get(X, **ann).get_json()
    assert listed["team"] == "alpha"
    names = [c["name"] for c in listed["challenges"]]
    assert names == ["Curve", "Linear", "Warmup"]  # the hidden one is not listed
    curve = listed["challenges"][0]
    assert curve["value"] == 500 and [h["content"] for h in curve["hints"]] == [None, None]
    wrong = client.post(f"{X}/2/attempts", json={"answer": "nope"}, **ann).get_json()
    assert wrong["outcome"] == "incorrect"
    assert client.post(f"{X}/2/attempts", json={"answer": "flag{linear}"},
                       **ann).get_json()["outcome"] == "correct"
    assert client.post(f"{X}/2/attempts", json={"answer": "flag{linear}"},
                       **bea).get_json()["outcome"] == "correct"
    hint = client.post(f"{X}/1/hints/1", **bea)
    assert hint.status_code == 200 and hint.get_json()["content"] == "look closer"
    again = client.post(f"{X}/1/hints/1", **bea)
    assert again.status_code == 409 and "unlocked already" in again.get_json()["error"]["message"]
    board = client.get(f"{X}/board", **ann).get_json()
    assert [(s["team"], s["score"]) for s in board["standings"][:2]] == [
        ("alpha", 90.0), ("bravo", 55.0)]
    feed = client.get(f"{X}/ctftime.json", **bea).get_json()
    assert feed["standings"][0]["taskStats"]["Linear"]["points"] == 90
    assert client.get(f"{X}/scoreboard.csv", **ann).status_code == 403  # staff only
    rows = list(csv.reader(io.StringIO(client.get(f"{X}/scoreboard.csv", **bearer(
        tokens["trainer"])).get_data(as_text=True))))
    assert rows[0][:4] == ["place", "team", "team id", "score"] and rows[1][1] == "alpha"
    staff = client.get(X, **bearer(tokens["auditor"])).get_json()
    assert "Minimal Challenge" in [c["name"] for c in staff["challenges"]]
    assert client.post(f"{X}/2/attempts", json={"answer": "x"},
                       **bearer(tokens["auditor"])).status_code == 403
    bad = client.post(f"{X}/2/attempts", json={"answer": "x", "extra": 1}, **ann)
    assert bad.status_code == 422
    assert client.post(f"{X}/99/attempts", json={"answer": "x"}, **ann).status_code == 404
    audit = [e for e in entries(engine, "ctf") if e.action.startswith("challenge.")]
    assert [(e.actor, e.action) for e in audit] == [
        ("ann", "challenge.answer"), ("ann", "challenge.answer"), ("bea", "challenge.answer"),
        ("bea", "challenge.hint")]


def test_files_only_once_unlocked(settings: Settings, engine: Engine) -> None:
    ctfcli = FIXTURES / "ctfcli"
    competition(engine, "ctf", ctfcli / "other-test-challenge", ctfcli / "test-challenge-full")
    app, tokens = web_app(settings, engine)
    client = app.test_client(use_cookies=False)
    ann = bearer(tokens["ann"])
    locked = client.get(f"{X}/2/files/1", **ann)
    assert locked.status_code == 409
    client.post(f"{X}/1/attempts", json={"answer": "flag{other}"}, **ann)
    got = client.get(f"{X}/2/files/1", **ann)
    assert got.status_code == 200
    assert got.data == (ctfcli / "test-challenge-full" / "files" / "test.pdf").read_bytes()
    assert got.headers["Content-Disposition"] == "attachment; filename=test.pdf"
    assert client.get(f"{X}/2/files/2", **ann).status_code == 404


def test_page_solve_and_hint(settings: Settings, engine: Engine) -> None:
    competition(engine, "ctf", FIXTURES / "scoring")
    app, _ = web_app(settings, engine)
    browser, token = logged_in(app, "amy")
    page = browser.get("/x/ctf/challenges").get_data(as_text=True)
    assert 'id="challenge-1"' in page and "Unlock for 25 points" in page
    assert "/x/ctf/challenges" in browser.get("/x/ctf/scoreboard").get_data(as_text=True)
    solved = browser.post("/x/ctf/challenges/2/answer",
                          data={"answer": "flag{linear}", "csrf_token": token})
    assert solved.status_code == 200
    assert "Linear: correct" in solved.get_data(as_text=True)
    hinted = browser.post("/x/ctf/challenges/1/hints/1", data={"csrf_token": token})
    assert "look closer" in hinted.get_data(as_text=True)
    forged = browser.post("/x/ctf/challenges/1/hints/2", data={})
    assert forged.status_code == 400  # no CSRF token


def test_board_is_kept_for_its_seconds(settings: Settings, engine: Engine) -> None:
    competition(engine, "ctf", FIXTURES / "scoring")
    app, tokens = web_app(settings, engine)
    app.extensions[BOARDS_KEY] = BoardCache(seconds=3600)
    client = app.test_client(use_cookies=False)
    ann = bearer(tokens["ann"])

    def alpha() -> float:
        board = client.get(f"{X}/board", **ann).get_json()
        return float(next(s["score"] for s in board["standings"] if s["team"] == "alpha"))

    assert alpha() == 0.0
    client.post(f"{X}/2/attempts", json={"answer": "flag{linear}"}, **ann)
    assert alpha() == 0.0  # the kept board
    app.extensions[BOARDS_KEY] = BoardCache(seconds=0)
    assert alpha() == 110.0
