"""Every page route and every role: allowed roles get in, others get 403,
anonymous visitors are sent to the login page. One table, checked against
the application's URL map so a new route cannot be forgotten."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from range.config import Settings
from records.coordination.parties import Actor
from records.coordination.threads import Draft, open_thread
from records.evidence import EvidenceStore
from records.findings import create_finding
from records.incidents import IncidentInput, file_incident
from tests.conftest import ROOT
from tests.unit.webui.conftest import (
    EXERCISE,
    PASSWORD,
    USERS,
    csrf_from,
    login,
    make_exercise,
    page_token,
)
from webui.accounts import create_user
from webui.app import create_app

ALL = frozenset({"admin", "white", "red", "blue", "auditor"})
STAFF = frozenset({"white", "admin"})
READERS = frozenset({"white", "admin", "auditor"})
X = "/x/<name>"

# (rule, method, roles allowed). Auth routes (/login, /logout) are public: PUBLIC.
ROUTES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/", "GET", ALL),
    (f"{X}/scoreboard", "GET", ALL),
    (f"{X}/scoreboard.json", "GET", ALL),
    (f"{X}/events", "GET", ALL),
    (f"{X}/team", "GET", frozenset({"red", "blue"})),
    (f"{X}/submit", "GET", frozenset({"red"})),
    (f"{X}/submit", "POST", frozenset({"red"})),
    (f"{X}/reports", "GET", frozenset({"blue"})),
    (f"{X}/reports/new", "GET", frozenset({"blue"})),
    (f"{X}/reports/new", "POST", frozenset({"blue"})),
    (f"{X}/reports/<int:report_id>", "GET", READERS | {"blue"}),
    (f"{X}/evidence/<int:evidence_id>", "GET", READERS | {"blue"}),
    (f"{X}/console", "GET", STAFF),
    (f"{X}/topology.svg", "GET", STAFF),
    (f"{X}/console/state", "POST", STAFF),
    (f"{X}/console/inject", "POST", STAFF),
    (f"{X}/console/hint", "POST", STAFF),
    (f"{X}/console/grade-report", "POST", STAFF),
    (f"{X}/console/grade-inject", "POST", STAFF),
    (f"{X}/console/adjust", "POST", STAFF),
    (f"{X}/console/findings/draft", "POST", STAFF),
    (f"{X}/console/findings/<int:finding_id>", "POST", STAFF),
    (f"{X}/audit/findings", "GET", READERS),
    (f"{X}/audit/incidents", "GET", READERS),
    (f"{X}/audit/log", "GET", READERS),
    (f"{X}/audit/training", "GET", READERS),
    (f"{X}/audit/export/<fmt>", "GET", READERS),
    (f"{X}/terminals", "GET", ALL),
    (f"{X}/terminal/<host>/<int:copy>", "GET", frozenset({"red", "blue", "white", "admin"})),
    (f"{X}/access", "GET", ALL),
    ("/pools", "GET", READERS),
    ("/training", "GET", ALL),
    ("/training/<name>/start", "POST", frozenset({"red", "blue"})),
    ("/training/<name>", "GET", frozenset({"red", "blue"})),
    ("/training/<name>/<action>", "POST", frozenset({"red", "blue"})),
    ("/training/<name>/trainees", "GET", READERS),
    ("/training/<name>/progress.json", "GET", READERS),
    (f"{X}/access/vpn.conf", "GET", frozenset({"red", "blue"})),
    (f"{X}/access/vpn.png", "GET", frozenset({"red", "blue"})),
    (f"{X}/recordings/<session>", "GET", READERS),
    (f"{X}/recordings/<session>.cast", "GET", READERS),
    (f"{X}/challenges", "GET", ALL),
    (f"{X}/challenges/<int:number>/answer", "POST", frozenset({"red", "blue"})),
    (f"{X}/challenges/<int:number>/hints/<int:hint>", "POST", frozenset({"red", "blue"})),
    (f"{X}/challenges/<int:number>/files/<int:index>", "GET", ALL),
    (f"{X}/messages", "GET", ALL),
    (f"{X}/messages", "POST", STAFF | {"red", "blue"}),
    (f"{X}/messages/<uid>", "GET", ALL),
    (f"{X}/messages/<uid>", "POST", STAFF | {"red", "blue"}),
    (f"{X}/messages/<uid>/attachments/<int:evidence_id>", "GET", ALL),
    (f"{X}/sitreps", "GET", READERS | {"blue"}),
    (f"{X}/sitreps", "POST", frozenset({"blue"})),
    (f"{X}/sitreps/<uid>/grade", "POST", STAFF),
    (f"{X}/coordination", "GET", READERS),
    (f"{X}/coordination/grade", "POST", STAFF),
    ("/xterm/<asset>", "GET", ALL),
    ("/admin", "GET", frozenset({"admin"})),
    ("/admin/users", "POST", frozenset({"admin"})),
    ("/admin/users/<int:user_id>/active", "POST", frozenset({"admin"})),
    ("/admin/users/<int:user_id>/team", "POST", frozenset({"admin"})),
    ("/admin/import", "POST", frozenset({"admin"})),
    ("/admin/users/<int:user_id>/password", "POST", frozenset({"admin"})),
    ("/admin/members", "POST", frozenset({"admin"})),
    ("/account", "GET", ALL),
    ("/account/password", "POST", ALL),
    ("/account/tokens", "POST", ALL),
    ("/account/tokens/<int:token_id>/revoke", "POST", ALL),
)
PUBLIC = (("/login", "GET"), ("/login", "POST"), ("/logout", "POST"))
# WebSocket routes (checked with an upgrade request from this site).
SOCKETS: tuple[tuple[str, frozenset[str]], ...] = (
    (f"{X}/terminal/<host>/<int:copy>/ws", frozenset({"red", "blue", "white", "admin"})),
    (f"{X}/recordings/<session>/watch", READERS),
)
UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "http://localhost"}
ROLE_USER = {"admin": "admin", "white": "trainer", "red": "redteam", "blue": "blue1",
             "auditor": "auditor"}


@dataclass
class World:
    app: Flask
    clients: dict[str, FlaskClient]
    values: dict[str, str]

    def url(self, rule: str) -> str:
        for key, value in self.values.items():
            rule = rule.replace(f"<int:{key}>", value).replace(f"<{key}>", value)
        return rule


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine

    import_all_tables()
    settings = Settings(data_dir=tmp_path_factory.mktemp("matrix") / "data", root=ROOT)
    engine: Engine = open_engine(settings)
    for name, (role, team) in USERS.items():
        create_user(engine, name, PASSWORD, role, team=team)
    victim = create_user(engine, "victim", PASSWORD, "blue", team="blue-2")
    found = make_exercise(engine)
    values = _records(engine, settings, found.id or 0)
    values.update(name=EXERCISE, user_id=str(victim.id), fmt="json", host="web", copy="1",
                  session="0123456789abcdef", asset="xterm.js", token_id="999")
    values.update(number="1", hint="1", index="0", action="next")  # challenges (none imported: 404)
    app = create_app(settings, engine, secure_cookies=False, testing=True)
    clients: dict[str, FlaskClient] = {}
    for role_name, username in ROLE_USER.items():
        clients[role_name] = app.test_client()
        login(clients[role_name], username)
    yield World(app, clients, values)
    engine.dispose()


def _records(engine: Engine, settings: Settings, exercise_id: int) -> dict[str, str]:
    report = file_incident(engine, EXERCISE, "blue-1", "blue1", IncidentInput(title="SQLi"))
    evidence = EvidenceStore.for_data_dir(settings.data_dir).add(
        engine, exercise_id, "log.txt", io.BytesIO(b"GET /login?u='--"), "blue1",
        incident_id=report.id,
    )
    finding = create_finding(engine, EXERCISE, "trainer", "red", "Weak password")
    thread = open_thread(engine, EvidenceStore.for_data_dir(settings.data_dir), EXERCISE,
                         Actor("blue1", team="blue-1"), Draft("matrix", "hi", ["white-cell"]))
    return {"report_id": str(report.id), "evidence_id": str(evidence.id),
            "finding_id": str(finding.id), "uid": thread.uid}


def _request(client: FlaskClient, method: str, url: str) -> tuple[int, str]:
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": page_token(client, "/login")})
    status, location = response.status_code, response.headers.get("Location", "")
    response.close()  # the event stream: stop it here
    return status, location


CASES = [(rule, method, role) for rule, method, _ in ROUTES for role in sorted(ALL)]


@pytest.mark.parametrize(("rule", "method", "role"), CASES)
def test_role_matrix(world: World, rule: str, method: str, role: str) -> None:
    allowed = next(roles for r, m, roles in ROUTES if (r, m) == (rule, method))
    status, location = _request(world.clients[role], method, world.url(rule))
    if role in allowed:
        assert status not in (401, 403), f"{role} refused on {method} {rule}"
        assert "/login" not in location
        assert status < 500
    else:
        assert status == 403, f"{role} got {status} on {method} {rule}"


@pytest.mark.parametrize(("rule", "method"), [(r, m) for r, m, _ in ROUTES])
def test_anonymous_goes_to_login(world: World, rule: str, method: str) -> None:
    client = world.app.test_client()
    if method == "GET":
        response = client.get(world.url(rule))
    else:
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post(world.url(rule), data={"csrf_token": token})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_table_covers_every_page_route(world: World) -> None:
    registered = {
        (rule.rule, method)
        for rule in world.app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if rule.endpoint != "static" and not rule.websocket
        # /taxii2/: its own matrix, tests/unit/sharing/test_taxii_matrix.py
        and not rule.rule.startswith(("/api/", "/taxii2/"))
    }
    listed = {(r, m) for r, m, _ in ROUTES} | set(PUBLIC)
    assert registered - listed == set(), "routes missing from the role matrix"
    assert listed - registered == set(), "the matrix lists routes that do not exist"
    sockets = {rule.rule for rule in world.app.url_map.iter_rules() if rule.websocket}
    assert sockets == {rule for rule, _ in SOCKETS}, "WebSocket routes missing from SOCKETS"


@pytest.mark.parametrize(("rule", "role"), [(r, role) for r, _ in SOCKETS for role in sorted(ALL)])
def test_socket_role_matrix(world: World, rule: str, role: str) -> None:
    allowed = next(roles for r, roles in SOCKETS if r == rule)
    response = world.clients[role].get(world.url(rule), headers=UPGRADE)
    if role in allowed:  # no range deployed here: past the role check, 404
        assert response.status_code == 404, f"{role} got {response.status_code} on {rule}"
    else:
        assert response.status_code == 403, f"{role} got {response.status_code} on {rule}"
    anonymous = world.app.test_client().get(world.url(rule), headers=UPGRADE)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_logout_is_public(world: World, tmp_path: Path) -> None:
    client = world.app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
