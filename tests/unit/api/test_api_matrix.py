"""Every API route x every role, from one table checked against the URL map:
allowed roles get past the checks, others get 403, anonymous callers 401,
always in the error envelope. The OpenAPI document lists every route."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.test import TestResponse

from records.coordination.parties import Actor
from records.coordination.threads import Draft, open_thread
from records.evidence import EvidenceStore
from records.findings import create_finding
from records.incidents import IncidentInput, file_incident
from tests.unit.api.conftest import API, ROLE_USER, ApiWorld, build_world
from tests.unit.webui.conftest import EXERCISE
from webui.accounts import find_user

ALL = frozenset({"admin", "white", "red", "blue", "auditor"})
STAFF = frozenset({"white", "admin"})
READERS = frozenset({"white", "admin", "auditor"})
ADMIN = frozenset({"admin"})
X = f"{API}/exercises/<ex>"

# (rule, method, roles allowed)
ROUTES: tuple[tuple[str, str, frozenset[str]], ...] = (
    (f"{API}/me", "GET", ALL),
    (f"{API}/tokens", "POST", ALL),
    (f"{API}/users", "GET", ADMIN),
    (f"{API}/users", "POST", ADMIN),
    (f"{API}/users/<int:user_id>", "PATCH", ADMIN),
    (f"{API}/tokens", "GET", ALL),
    (f"{API}/tokens/<int:token_id>", "DELETE", ALL),
    (f"{API}/me/password", "POST", ALL),
    (f"{API}/users/<int:user_id>/tokens", "GET", ADMIN),
    (f"{API}/users/<int:user_id>/password", "PUT", ADMIN),
    (f"{X}/members", "GET", STAFF),
    (f"{X}/members", "PUT", ADMIN),
    (f"{X}/members/<username>", "DELETE", ADMIN),
    (f"{API}/exercises", "GET", ALL),
    (X, "GET", ALL),
    (f"{X}/start", "POST", STAFF),
    (f"{X}/pause", "POST", STAFF),
    (f"{X}/resume", "POST", STAFF),
    (f"{X}/stop", "POST", STAFF),
    (f"{X}/scoreboard", "GET", ALL),
    (f"{X}/scoreboard/explain", "GET", ALL),
    (f"{X}/range", "GET", STAFF),
    (f"{X}/flags", "POST", frozenset({"red"})),
    (f"{X}/submissions", "GET", READERS | {"red"}),
    (f"{X}/attack-data", "GET", READERS | {"red"}),
    (f"{X}/incidents", "GET", READERS | {"blue"}),
    (f"{X}/incidents", "POST", frozenset({"blue"})),
    (f"{X}/incidents/<int:incident_id>", "GET", READERS | {"blue"}),
    (f"{X}/incidents/<int:incident_id>/evidence", "POST", frozenset({"blue"})),
    (f"{X}/evidence/<int:evidence_id>", "GET", READERS | {"blue"}),
    (f"{X}/findings", "GET", READERS | {"red"}),
    (f"{X}/findings/<int:finding_id>/confirm", "POST", STAFF),
    (f"{X}/audit", "GET", READERS),
    (f"{X}/audit/verify", "GET", READERS),
    (f"{X}/training", "GET", READERS),
    (f"{X}/exports/<fmt>", "GET", READERS),
    (f"{X}/injects", "POST", STAFF),
    (f"{X}/hints", "POST", STAFF),
    (f"{X}/adjustments", "POST", STAFF),
    (f"{X}/grades/injects", "POST", STAFF),
    (f"{X}/grades/reports", "POST", STAFF),
    (f"{X}/vpn", "GET", READERS | {"red", "blue"}),
    (f"{X}/vpn/config", "GET", frozenset({"red", "blue"})),
    (f"{X}/challenges", "GET", ALL),
    (f"{X}/challenges/<int:number>/attempts", "POST", frozenset({"red", "blue"})),
    (f"{X}/challenges/<int:number>/hints/<int:hint>", "POST", frozenset({"red", "blue"})),
    (f"{X}/challenges/<int:number>/files/<int:index>", "GET", ALL),
    (f"{X}/challenges/board", "GET", ALL),
    (f"{X}/challenges/ctftime.json", "GET", ALL),
    (f"{X}/challenges/scoreboard.csv", "GET", READERS),
    (f"{X}/threads", "GET", ALL),
    (f"{X}/threads", "POST", STAFF | {"red", "blue"}),
    (f"{X}/threads/<uid>", "GET", ALL),
    (f"{X}/threads/<uid>/messages", "POST", STAFF | {"red", "blue"}),
    (f"{X}/threads/<uid>/attachments/<int:evidence_id>", "GET", ALL),
    (f"{X}/requests", "GET", READERS),
    (f"{X}/requests/<uid>/grade", "POST", STAFF),
    (f"{X}/sitreps", "GET", ALL),
    (f"{X}/sitreps", "POST", frozenset({"blue"})),
    (f"{X}/sitreps/<uid>/grade", "POST", STAFF),
)
PUBLIC = ((f"{API}/openapi.json", "GET"),)
# Query strings that make a request of an allowed role meaningful.
QUERIES = {f"{X}/scoreboard/explain": "?team=red&category=attack"}


class Matrix:
    """Each role's browser session (cookie plus its X-CSRFToken header)."""

    def __init__(self, world: ApiWorld, values: dict[str, str]) -> None:
        self.world, self.values = world, values
        self.sessions = {role: world.session(name) for role, name in ROLE_USER.items()}

    def call(self, role: str, method: str, url: str) -> TestResponse:
        client, token = self.sessions[role]
        return client.open(url, method=method, json={}, headers={"X-CSRFToken": token})

    def url(self, rule: str) -> str:
        for key, value in self.values.items():
            rule = rule.replace(f"<int:{key}>", value).replace(f"<{key}>", value)
        return rule + QUERIES.get(rule, "")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, password_hash: str) -> Iterator[Matrix]:
    world = build_world(tmp_path_factory.mktemp("api-matrix") / "data", password_hash)
    assert world.exercise.id is not None
    report = file_incident(world.engine, EXERCISE, "blue-1", "blue1", IncidentInput(title="SQLi"))
    evidence = EvidenceStore.for_data_dir(world.settings.data_dir).add(
        world.engine, world.exercise.id, "log.txt", io.BytesIO(b"GET /login?u='--"), "blue1",
        incident_id=report.id,
    )
    finding = create_finding(world.engine, EXERCISE, "trainer", "red", "Weak password")
    thread = open_thread(world.engine, EvidenceStore.for_data_dir(world.settings.data_dir),
                         EXERCISE, Actor("blue1", team="blue-1"),
                         Draft("matrix", "hello", ["white-cell"]))
    victim = find_user(world.engine, "blue2")
    assert victim is not None
    values = {"ex": EXERCISE, "incident_id": str(report.id), "evidence_id": str(evidence.id),
              "finding_id": str(finding.id), "user_id": str(victim.id), "fmt": "json",
              "token_id": "999", "username": "nobody", "number": "1", "hint": "1",
              "index": "0", "uid": thread.uid}
    yield Matrix(world, values)
    world.engine.dispose()


CASES = [(rule, method, role) for rule, method, _ in ROUTES for role in sorted(ALL)]


@pytest.mark.parametrize(("rule", "method", "role"), CASES)
def test_role_matrix(matrix: Matrix, rule: str, method: str, role: str) -> None:
    allowed = next(roles for r, m, roles in ROUTES if (r, m) == (rule, method))
    response = matrix.call(role, method, matrix.url(rule))
    response.close()  # file downloads hold the file open until closed
    if role in allowed:
        assert response.status_code not in (401, 403), (
            f"{role} refused on {method} {rule}: {response.get_data(as_text=True)[:300]}")
        assert response.status_code < 500
    else:
        assert response.status_code == 403, f"{role} got {response.status_code} on {rule}"
        assert response.json is not None and response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("rule", "method"), [(r, m) for r, m, _ in ROUTES])
def test_anonymous_gets_401(matrix: Matrix, rule: str, method: str) -> None:
    client = matrix.world.app.test_client()
    response = client.open(matrix.url(rule), method=method, json={})
    response.close()
    assert response.status_code == 401
    body = response.json
    assert body is not None
    assert body == {"error": {"status": 401, "code": "unauthorized",
                              "message": body["error"]["message"]}}


def _api_rules(matrix: Matrix) -> set[tuple[str, str]]:
    return {
        (rule.rule, method)
        for rule in matrix.world.app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if rule.rule.startswith("/api/")
    }


def test_table_covers_every_api_route(matrix: Matrix) -> None:
    listed = {(r, m) for r, m, _ in ROUTES} | set(PUBLIC)
    registered = _api_rules(matrix)
    assert registered - listed == set(), "API routes missing from the role matrix"
    assert listed - registered == set(), "the matrix lists API routes that do not exist"


def test_openapi_lists_every_api_route_with_its_roles(matrix: Matrix) -> None:
    document = matrix.world.app.test_client().get(f"{API}/openapi.json").json
    assert document is not None and document["openapi"].startswith("3.1")
    for rule, method in _api_rules(matrix):
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)  # Flask's <int:x> is OpenAPI's {x}
        operation = document["paths"][path][method.lower()]
        roles = next((roles for r, m, roles in ROUTES if (r, m) == (rule, method)), None)
        if roles is not None:
            assert set(operation["x-roles"]) == roles, f"{method} {rule}"


def test_openapi_schemas_come_from_the_request_models(matrix: Matrix) -> None:
    document = matrix.world.app.test_client().get(f"{API}/openapi.json").json
    assert document is not None
    body = document["paths"][f"{API}/exercises/{{ex}}/flags"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["flags"]["maxItems"] == 5000


def test_unknown_api_path_answers_the_envelope(matrix: Matrix, tmp_path: Path) -> None:
    response = matrix.world.as_role("red").get(f"{API}/nothing-here")
    assert response.status_code == 404
    assert response.json is not None and response.json["error"]["status"] == 404
