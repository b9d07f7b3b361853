"""What each role does through the pages, end to end on a real SQLite database."""

from __future__ import annotations

import io
import json

from flask import Flask
from sqlalchemy.engine import Engine
from sqlmodel import Session

from range.config import Settings
from records import audit
from records.findings import create_finding, list_findings
from records.incidents import IncidentInput, file_incident
from scoring.exercise import get_exercise
from scoring.flags import FlagCodec, FlagKind
from scoring.ledger import record_check
from scoring.tables import Exercise, ExerciseState
from tests.unit.webui.conftest import EXERCISE, PASSWORD, csrf_from, logged_in, page_token
from webui.accounts import create_user
from webui.app import create_app

X = f"/x/{EXERCISE}"


def _flag(exercise: Exercise, copy: int = 1) -> str:
    assert exercise.id is not None
    return FlagCodec(exercise.secret, exercise.id).encode(FlagKind.SERVICE, 1, copy, 0)


def _board(client: object, path: str = f"{X}/scoreboard.json") -> dict[str, object]:
    response = client.get(path)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))  # type: ignore[no-any-return]


def _total(board: dict[str, object], team: str) -> float:
    teams = board["teams"]
    assert isinstance(teams, list)
    return float(next(t["total"] for t in teams if t["name"] == team))


def test_red_submits_flags_and_sees_answers(app: Flask, exercise: Exercise, engine: Engine) -> None:
    client = logged_in(app, "redteam")
    before = _total(_board(client), "red")
    flags = f"{_flag(exercise)}\nFLAG{{nonsense}}"
    html = client.post(
        f"{X}/submit", data={"flags": flags, "csrf_token": page_token(client, f"{X}/submit")}
    ).get_data(as_text=True)
    assert html.count("answer-accepted") == 1 and html.count("answer-invalid") == 1
    assert _total(_board(client), "red") > before
    dashboard = client.get(f"{X}/team").get_data(as_text=True)
    assert "accepted" in dashboard and "FLAG{nonsense}" in dashboard
    entry = audit.entries(engine, EXERCISE)[-1]
    assert (entry.actor, entry.action, entry.details["via"]) == (
        "web:redteam", "flags.submit", "web")
    assert entry.details["accepted"] == 1


def test_event_stream_sends_the_board(app: Flask, exercise: Exercise) -> None:
    client = logged_in(app, "auditor")
    response = client.get(f"{X}/events")
    assert response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    try:
        text = ""
        while "event: board" not in text:
            chunk = next(chunks)
            text += chunk.decode() if isinstance(chunk, bytes) else str(chunk)
    finally:
        response.close()
    data = text.split("data: ", 1)[1].split("\n", 1)[0]
    assert {t["name"] for t in json.loads(data)["teams"]} == {"red", "blue-1", "blue-2"}


def test_streams_past_the_bound_are_refused_until_one_closes(
    settings: Settings, engine: Engine, exercise: Exercise
) -> None:
    app = create_app(settings, engine, secure_cookies=False, testing=True, live_streams=1)
    create_user(engine, "watcher", PASSWORD, "auditor")
    first, second = logged_in(app, "watcher"), logged_in(app, "watcher")
    held = first.get(f"{X}/events")
    assert held.status_code == 200
    next(iter(held.response))  # the stream is open and holds the only slot
    refused = second.get(f"{X}/events")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "30"
    assert second.get(f"{X}/scoreboard.json").status_code == 200  # what the page polls instead
    held.close()  # the browser went away: its slot is free again
    again = second.get(f"{X}/events")
    assert again.status_code == 200
    again.close()


def test_teams_see_the_frozen_board_white_sees_live(
    app: Flask, exercise: Exercise, engine: Engine
) -> None:
    with Session(engine) as session:
        row = session.get(Exercise, exercise.id)
        assert row is not None
        scenario = dict(row.scenario)
        scenario["scoring"] = {**scenario["scoring"], "freeze": row.duration_seconds}
        row.scenario = scenario
        session.add(row)
        session.commit()
    assert _board(logged_in(app, "redteam"))["frozen"] is True
    assert _board(logged_in(app, "trainer"))["frozen"] is False
    page = logged_in(app, "blue1").get(f"{X}/scoreboard").get_data(as_text=True)
    assert 'id="board-frozen" class="badge frozen">' in page


def _console_post(app: Flask, path: str, data: dict[str, str]) -> str:
    client = logged_in(app, "trainer")
    data = {"csrf_token": page_token(client), **data}
    response = client.post(f"{X}/console/{path}", data=data, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_trainer_adjusts_pauses_sends_injects_and_hints(
    app: Flask, exercise: Exercise, engine: Engine
) -> None:
    trainer = logged_in(app, "trainer")
    before = _total(_board(trainer), "blue-1")
    _console_post(app, "adjust", {"team": "blue-1", "points": "7", "reason": "good teamwork"})
    assert _total(_board(trainer), "blue-1") == before + 7
    _console_post(app, "inject", {"to": "blue", "message": "Intel: watch the shop"})
    _console_post(app, "hint", {"team": "red", "hint": "sqli"})
    page = _console_post(app, "state", {"action": "pause"})
    assert "Exercise pause: done." in page
    assert get_exercise(engine, EXERCISE).state is ExerciseState.PAUSED
    assert "cannot pause" in _console_post(app, "state", {"action": "pause"})
    blue_page = logged_in(app, "blue1").get(f"{X}/team").get_data(as_text=True)
    assert "Intel: watch the shop" in blue_page
    red_page = logged_in(app, "redteam").get(f"{X}/team").get_data(as_text=True)
    assert "Intel: watch the shop" not in red_page
    assert "Try a quote" in red_page  # the hint's text
    actions = [(e.action, e.details.get("via")) for e in audit.entries(engine, EXERCISE)]
    for action in ("score.adjust", "inject.send", "hint.give", "exercise.pause"):
        assert (action, "web") in actions


def test_trainer_grades_reports_and_confirms_findings(
    app: Flask, exercise: Exercise, engine: Engine
) -> None:
    report = file_incident(engine, EXERCISE, "blue-1", "blue1", IncidentInput(title="Shop SQLi"))
    _console_post(app, "grade-report",
                  {"report": str(report.id), "decision": "accept", "points": "12", "reason": "ok"})
    reports = logged_in(app, "blue1").get(f"{X}/reports").get_data(as_text=True)
    assert "12.0" in reports
    finding = create_finding(engine, EXERCISE, "trainer", "red", "Weak SSH password")
    _console_post(app, f"findings/{finding.id}",
                  {"title": "Weak SSH password (operator)", "severity": "High", "confirm": "1",
                   "techniques": "T1110.001, T1021.004"})
    changed = list_findings(engine, EXERCISE)[0]
    assert (changed.status, changed.confirmed_by) == ("confirmed", "trainer")
    assert changed.techniques == ["T1110.001", "T1021.004"]
    _console_post(app, "grade-inject",
                  {"team": "blue-2", "inject": "inject:0", "points": "5", "reason": "fast"})
    assert _total(_board(logged_in(app, "trainer")), "blue-2") >= 5


def test_console_explains_an_undeployed_range(app: Flask, exercise: Exercise) -> None:
    page = logged_in(app, "trainer").get(f"{X}/console").get_data(as_text=True)
    assert "is not deployed" in page
    svg = logged_in(app, "admin").get(f"{X}/topology.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.get_data()


def test_auditor_filters_and_sees_the_chain_verdict(
    app: Flask, exercise: Exercise, engine: Engine
) -> None:
    create_finding(engine, EXERCISE, "trainer", "red", "Critical thing", severity="Critical")
    create_finding(engine, EXERCISE, "trainer", "red", "Low thing", severity="Low")
    client = logged_in(app, "auditor")
    page = client.get(f"{X}/audit/findings?severity=Critical").get_data(as_text=True)
    assert "Critical thing" in page and "Low thing" not in page
    page = client.get(f"{X}/audit/findings?q=low").get_data(as_text=True)
    assert "Low thing" in page and "Critical thing" not in page
    log = client.get(f"{X}/audit/log").get_data(as_text=True)
    assert "Chain intact" in log and "finding.create" in log


def test_admin_creates_imports_and_deactivates_users(app: Flask, engine: Engine) -> None:
    admin = logged_in(app, "admin")
    token = page_token(admin, "/admin")
    admin.post("/admin/users", data={"csrf_token": token, "username": "newblue", "role": "blue",
                                     "team": "blue-2", "password": PASSWORD})
    rows = f"username,role,team,password\ncsvred,red,red,{PASSWORD}\nbad,blue,,short\n"
    response = admin.post(
        "/admin/import",
        data={"csrf_token": token, "participants": (io.BytesIO(rows.encode()), "people.csv")},
        content_type="multipart/form-data", follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Imported 1 user(s), 1 error(s)" in page and "line 3" in page
    assert "newblue" in page and "csvred" in page
    logged_in(app, "csvred")
    from webui.accounts import find_user

    victim = find_user(engine, "newblue")
    assert victim is not None
    admin.post(f"/admin/users/{victim.id}/active", data={"csrf_token": token, "active": "0"})
    client = app.test_client()
    login_token = csrf_from(client.get("/login").get_data(as_text=True))
    refused = client.post("/login", data={"username": "newblue", "password": PASSWORD,
                                          "csrf_token": login_token})
    assert refused.status_code == 401
    assert [e.action for e in audit.entries(engine, None)][-3:] == [
        "user.create", "user.import", "user.deactivate"]


def test_service_status_on_the_board_and_own_dashboard(
    app: Flask, exercise: Exercise, engine: Engine
) -> None:
    record_check(engine, exercise, "blue-1", "web", "shop", "down", tick=1)
    record_check(engine, exercise, "blue-2", "db", "postgres", "mumble", tick=1)
    board = _board(logged_in(app, "redteam"))
    services = board["services"]
    assert isinstance(services, dict)
    found = {team: {k: v.lower() for k, v in s.items()} for team, s in services.items()}
    assert found == {"blue-1": {"web/shop": "down"}, "blue-2": {"db/postgres": "mumble"}}
    own = logged_in(app, "blue1").get(f"{X}/team").get_data(as_text=True)
    assert "status-down" in own and "db/postgres" not in own


def test_home_lists_exercises_with_the_roles_start(app: Flask, exercise: Exercise) -> None:
    starts = {"redteam": "/submit", "blue1": "/team", "trainer": "/console",
              "auditor": "/audit/findings"}
    for username, path in starts.items():
        page = logged_in(app, username).get("/").get_data(as_text=True)
        assert f'href="{X}{path}"' in page, username
