"""Incident reports, evidence, findings, the audit log, exports and white
team actions through the API, with team scoping on every call."""

from __future__ import annotations

import io
import json
from pathlib import Path

from range.scenario.models import Scenario
from records import audit
from records.findings import create_finding
from scoring.tables import ExerciseState
from tests.unit.api.conftest import API, ApiWorld, X, build_world
from tests.unit.webui.conftest import EXERCISE, dmz_breach

REPORT = {
    "title": "SQL injection on the shop",
    "severity": "High",
    "tlp": "GREEN",
    "rsit_class": "intrusions",
    "rsit_type": "application-compromise",
    "techniques": ["T1190"],
    "hosts": ["web"],
    "observables": [{"type": "ip", "value": "198.51.100.10"}],
}


def _file(world: ApiWorld, role: str = "blue") -> dict[str, object]:
    response = world.as_role(role).post(f"{X}/incidents", json=REPORT)
    assert response.status_code == 201, response.json
    assert response.json is not None
    return dict(response.json)


def test_blue_files_and_reads_only_its_own_reports(world: ApiWorld) -> None:
    report = _file(world)
    assert report["team"] == "blue-1" and report["reporter"] == "blue1"
    assert report["observables"] == [{"type": "ip", "value": "198.51.100.10"}]
    own = world.as_role("blue").get(f"{X}/incidents").json
    assert own is not None and [r["id"] for r in own["incidents"]] == [report["id"]]
    other = world.as_user("blue2")
    listing = other.get(f"{X}/incidents").json
    assert listing is not None and listing["incidents"] == []
    assert other.get(f"{X}/incidents/{report['id']}").status_code == 404
    assert other.get(f"{X}/incidents?team=blue-1").status_code == 403
    auditor = world.as_role("auditor").get(f"{X}/incidents/{report['id']}")
    assert auditor.status_code == 200
    filed = [e for e in audit.entries(world.engine, EXERCISE) if e.action.startswith("incident.")]
    assert [(e.actor, e.action) for e in filed] == [("api:blue1", "incident.file")]


def test_evidence_upload_and_download(world: ApiWorld) -> None:
    report = _file(world)
    url = f"{X}/incidents/{report['id']}/evidence"
    blue = world.as_role("blue")
    upload = blue.post(url, data={"file": (io.BytesIO(b"GET /login?u='--\n"), "access.log"),
                                  "note": "web log"}, content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    assert upload.json is not None
    stored = upload.json["evidence"][0]
    assert stored["media_type"] == "text/plain" and stored["name"] == "access.log"
    download = world.as_role("auditor").get(f"{X}/evidence/{stored['id']}")
    assert download.status_code == 200 and download.data == b"GET /login?u='--\n"
    download.close()
    hidden = world.as_user("blue2").get(f"{X}/evidence/{stored['id']}")
    assert hidden.status_code == 404
    refused = blue.post(url, data={"file": (io.BytesIO(b"\x7fELF\x02\x01\x01"), "x.bin")},
                        content_type="multipart/form-data")
    assert refused.status_code == 400
    unknown = blue.post(url, data={"file": (io.BytesIO(b"a"), "a.txt"), "colour": "red"},
                        content_type="multipart/form-data")
    assert unknown.status_code == 422
    assert unknown.json is not None and unknown.json["error"]["field"] == "colour"
    shown = blue.get(f"{X}/incidents/{report['id']}").json
    assert shown is not None and len(shown["evidence"]) == 1


def test_findings_scoped_and_confirmed(world: ApiWorld) -> None:
    mine = create_finding(world.engine, EXERCISE, "trainer", "red", "Weak SSH password")
    create_finding(world.engine, EXERCISE, "trainer", "blue-1", "Not red's")
    red = world.as_role("red").get(f"{X}/findings").json
    assert red is not None and [f["title"] for f in red["findings"]] == ["Weak SSH password"]
    every = world.as_role("auditor").get(f"{X}/findings").json
    assert every is not None and len(every["findings"]) == 2
    confirmed = world.as_role("white").post(f"{X}/findings/{mine.id}/confirm",
                                            json={"severity": "High"})
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json is not None
    assert (confirmed.json["status"], confirmed.json["severity"]) == ("confirmed", "High")
    assert confirmed.json["confirmed_by"] == "trainer"


def test_white_team_actions_reach_the_ledger_and_the_audit_log(world: ApiWorld) -> None:
    white = world.as_role("white")
    report = _file(world)
    calls = [
        (f"{X}/injects", {"to": "blue", "message": "Intel: SQLi campaign"}, "inject.send"),
        (f"{X}/adjustments", {"team": "blue-2", "points": -3.0, "reason": "broke rules"},
         "score.adjust"),
        (f"{X}/grades/injects", {"team": "blue-1", "inject": "intel", "points": 4.0},
         "inject.grade"),
        (f"{X}/grades/reports", {"incident_id": report["id"], "accept": True,
                                 "reason": "matches"}, "report.grade"),
    ]
    for url, body, action in calls:
        response = white.post(url, json=body)
        assert response.status_code == 201, (url, response.json)
        assert audit.entries(world.engine, EXERCISE)[-1].action == action
    unknown_team = white.post(f"{X}/adjustments", json={"team": "blue-9", "points": 1.0,
                                                        "reason": "x"})
    assert unknown_team.status_code == 422
    assert unknown_team.json is not None and unknown_team.json["error"]["field"] == "team"
    board = white.get(f"{X}/scoreboard").json
    assert board is not None and {t["name"] for t in board["teams"]} >= {"red", "blue-1"}
    verdict = world.as_role("auditor").get(f"{X}/audit/verify").json
    assert verdict is not None and verdict["ok"] is True and verdict["count"] >= 5


def test_explain_is_limited_to_the_own_team_for_teams(world: ApiWorld) -> None:
    world.as_role("white").post(f"{X}/adjustments",
                                json={"team": "blue-1", "points": 2.0, "reason": "bonus"})
    own = world.as_role("blue").get(f"{X}/scoreboard/explain?team=blue-1&category=adjustment")
    assert own.status_code == 200, own.json
    other = world.as_role("blue").get(f"{X}/scoreboard/explain?team=red&category=attack")
    assert other.status_code == 403
    assert other.json is not None and other.json["error"]["field"] == "team"


def test_state_changes_and_exercise_view(world: ApiWorld) -> None:
    white = world.as_role("white")
    paused = white.post(f"{X}/pause")
    assert paused.status_code == 200 and paused.json is not None
    assert paused.json["state"] == ExerciseState.PAUSED
    shown = world.as_role("red").get(f"{X}").json
    assert shown is not None and shown["state"] == "paused" and shown["tick"] >= 1
    assert white.post(f"{X}/resume").status_code == 200
    stopped = white.post(f"{X}/stop").json
    assert stopped is not None and stopped["state"] == "finished"
    listed = white.get(f"{API}/exercises").json
    assert listed is not None and [e["name"] for e in listed["exercises"]] == [EXERCISE]


def test_export_download_and_training(world: ApiWorld) -> None:
    auditor = world.as_role("auditor")
    _file(world)
    export = auditor.get(f"{X}/exports/json")
    assert export.status_code == 200
    assert "attachment" in export.headers["Content-Disposition"]
    doc = json.loads(export.data)  # an export document, its audit head signed
    assert len(doc["audit"]["signed_head"]["signature"]) > 40
    export.close()
    missing = auditor.get(f"{X}/exports/docx")
    assert missing.status_code == 404
    training = auditor.get(f"{X}/training")
    assert training.status_code == 200 and training.json is not None
    log = auditor.get(f"{X}/audit?limit=2").json
    assert log is not None and len(log["entries"]) == 2


def test_admin_manages_users(world: ApiWorld) -> None:
    admin = world.as_role("admin")
    created = admin.post(f"{API}/users", json={"username": "blue3", "password": "longenough!",
                                               "role": "blue", "team": "blue-2"})
    assert created.status_code == 201, created.json
    assert created.json is not None and created.json["team"] == "blue-2"
    bad_role = admin.post(f"{API}/users", json={"username": "x", "password": "longenough!",
                                                "role": "purple"})
    assert bad_role.status_code == 422
    assert bad_role.json is not None and bad_role.json["error"]["field"] == "role"
    moved = admin.open("PATCH", f"{API}/users/{created.json['id']}", json={"team": "blue-1"})
    assert moved.json is not None and moved.json["team"] == "blue-1"
    me = admin.get(f"{API}/me").json
    assert me is not None
    self_off = admin.open("PATCH", f"{API}/users/{me['id']}", json={"active": False})
    assert self_off.status_code == 422
    users = admin.get(f"{API}/users").json
    assert users is not None and "blue3" in {u["username"] for u in users["users"]}
    assert "password_hash" not in users["users"][0]


def _total(world: ApiWorld, role: str, team: str) -> float:
    board = world.as_role(role).get(f"{X}/scoreboard").json
    assert board is not None
    return float(next(t["total"] for t in board["teams"] if t["name"] == team))


def test_cached_scoreboard_shows_a_new_fact_at_once(world: ApiWorld) -> None:
    before = {role: _total(world, role, "blue-1") for role in ("blue", "white")}
    assert _total(world, "blue", "blue-1") == before["blue"]  # served from the cache
    world.as_role("white").post(f"{X}/adjustments",
                                json={"team": "blue-1", "points": 5.0, "reason": "bonus"})
    for role in ("blue", "white"):
        assert _total(world, role, "blue-1") == before[role] + 5.0


def test_teams_see_the_frozen_board_during_a_freeze(tmp_path: Path, password_hash: str) -> None:
    """A freeze over the whole game: at tick 1, teams see the board of tick
    0 and no longer follow it; the white team sees it live."""
    from scoring.clock import Clock
    from scoring.exercise import create_exercise, transition
    from webui.membership import join

    world = build_world(tmp_path / "data", password_hash)
    try:
        spec = dmz_breach().model_dump(by_alias=True, exclude_none=True)
        spec["scoring"]["freeze"] = "90m"  # 90m game, 30s ticks: freeze from tick 1
        created = create_exercise(world.engine, "frozen", "frozen",
                                  Scenario.model_validate(spec), "frozen.yaml")
        transition(world.engine, "frozen", "start", "test")
        assert created.id is not None
        join(world.engine, "blue1", "frozen", "blue-1")  # a blue account plays where it joined
        Clock(world.engine, created.id).poll()
        url = f"{API}/exercises/frozen/scoreboard"
        before = {r: world.as_role(r).get(url).json for r in ("blue", "white")}
        assert before["blue"] is not None and before["white"] is not None
        assert (before["blue"]["frozen"], before["white"]["frozen"]) == (True, False)
        world.as_role("white").post(f"{API}/exercises/frozen/adjustments",
                                    json={"team": "blue-1", "points": 7.0, "reason": "bonus"})
        after = {r: world.as_role(r).get(url).json for r in ("blue", "white")}
        blue = after["blue"]
        assert blue is not None
        assert blue == {**before["blue"], "time_left": blue["time_left"]}
        assert after["white"] != before["white"]
    finally:
        world.engine.dispose()


def test_unknown_technique_is_refused_with_its_reason(world: ApiWorld) -> None:
    bad = {**REPORT, "techniques": ["T1999"]}
    response = world.as_role("blue").post(f"{X}/incidents", json=bad)
    assert response.status_code == 400 and response.json is not None
    assert "T1999 is not an ATT&CK technique" in response.json["error"]["message"]
