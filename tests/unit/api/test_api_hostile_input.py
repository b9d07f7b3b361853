"""Input a hostile participant sends answers 4xx with a reason, never 500, and
never reaches the ledger (issue 15, items 12, 13 and 17)."""

from __future__ import annotations

import io
import math
from typing import Any

import pytest

from range.errors import RecordError
from scoring.exercise import get_exercise
from scoring.ledger import record_adjustment
from tests.unit.api.conftest import API, ApiWorld, X
from tests.unit.webui.conftest import EXERCISE

HUGE = 2**63
REPORT: dict[str, Any] = {"title": "t", "rsit_class": "intrusions",
                          "rsit_type": "application-compromise"}


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.json
    assert body is not None and body["error"]["message"], body
    return dict(body["error"])


def _raw(world: ApiWorld, role: str, url: str, text: str) -> Any:
    return world.as_role(role).post(url, data=text, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e308"])
@pytest.mark.parametrize("path,body", [
    ("adjustments", '{{"team": "blue-1", "points": {n}, "reason": "r"}}'),
    ("grades/injects", '{{"team": "blue-1", "inject": "i", "points": {n}}}'),
    ("grades/reports", '{{"incident_id": 1, "accept": true, "points": {n}, "reason": "r"}}'),
])
def test_points_must_be_finite_and_bounded(world: ApiWorld, path: str, body: str,
                                           number: str) -> None:
    error = _error(_raw(world, "white", f"{X}/{path}", body.format(n=number)), 422)
    assert error["field"] == "points"


def test_the_ledger_refuses_non_finite_points(world: ApiWorld) -> None:
    found = get_exercise(world.engine, EXERCISE)
    for points in (math.nan, math.inf, -2e6):
        with pytest.raises(RecordError, match="finite number"):
            record_adjustment(world.engine, found, "blue-1", points, actor="t", reason="r")
    board = world.as_role("white").get(f"{X}/scoreboard").get_data(as_text=True)
    assert "NaN" not in board and "Infinity" not in board


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "1e400", "2e6"])
@pytest.mark.parametrize("form", ["adjust", "grade-inject", "grade-report"])
def test_page_forms_refuse_non_finite_points(world: ApiWorld, form: str, value: str) -> None:
    client, token = world.session("trainer")
    data = {"csrf_token": token, "team": "blue-1", "inject": "i", "points": value,
            "reason": "r", "report": "1", "decision": "accept"}
    response = client.post(f"/x/{EXERCISE}/console/{form}", data=data)
    assert response.status_code == 400, response.status_code
    assert "finite number" in response.get_data(as_text=True)


@pytest.mark.parametrize("report", [str(HUGE), "nan", "1e30", "-1"])
def test_grade_report_page_refuses_bad_ids(world: ApiWorld, report: str) -> None:
    client, token = world.session("trainer")
    response = client.post(f"/x/{EXERCISE}/console/grade-report",
                           data={"csrf_token": token, "report": report, "reason": "r"})
    assert response.status_code == 400
    assert "record id" in response.get_data(as_text=True)


def test_huge_integers_in_paths_bodies_and_offsets(world: ApiWorld) -> None:
    blue, white = world.as_role("blue"), world.as_role("white")
    assert _error(blue.get(f"{X}/incidents/{HUGE}"), 404)
    assert _error(blue.get(f"{X}/evidence/{HUGE * 10}"), 404)
    assert _error(white.post(f"{X}/findings/{HUGE}/confirm", json={}), 404)
    client, _ = world.session("trainer")
    assert client.get(f"/x/{EXERCISE}/evidence/{HUGE}").status_code == 404
    body = {"incident_id": HUGE, "accept": True, "reason": "r"}
    assert _error(white.post(f"{X}/grades/reports", json=body), 422)["field"] == "incident_id"
    for url in (f"{X}/incidents?offset={HUGE}", f"{X}/audit?offset={HUGE}",
                f"{X}/submissions?offset={HUGE}"):
        assert _error(world.as_role("auditor").get(url), 422)["field"] == "offset"
    last = world.as_role("auditor").get(f"{X}/audit?offset={HUGE - 1}")
    assert last.status_code == 200 and last.json == {"entries": []}


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize("moment,reason", [
    ("2024-05-01T10:00:00", "timezone"),
    ("9999-12-31T23:59:59-05:00", "between 1970 and 2999"),
    ("9999-12-31T23:59:59+00:00", "between 1970 and 2999"),
    ("0001-01-01T00:00:00+05:00", "between 1970 and 2999"),
])
def test_incident_times_need_a_zone_and_a_plausible_year(world: ApiWorld, field: str,
                                                         moment: str, reason: str) -> None:
    body = {**REPORT, "start": "2024-05-01T09:00:00Z", field: moment}
    error = _error(world.as_role("blue").post(f"{X}/incidents", json=body), 422)
    assert error["field"] == field and reason in error["message"]


def test_incident_form_refuses_a_year_9999(world: ApiWorld) -> None:
    client, token = world.session("blue1")
    data = {"csrf_token": token, "title": "t", "rsit": "intrusions/application-compromise",
            "start": "9999-12-31T23:59"}
    response = client.post(f"/x/{EXERCISE}/reports/new", data=data)
    assert response.status_code == 400
    assert "between 1970 and 2999" in response.get_data(as_text=True)


def test_405_names_the_allowed_methods(world: ApiWorld) -> None:
    response = world.as_role("blue").open("DELETE", f"{X}/incidents")
    _error(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    page = world.app.test_client().put("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


def test_evidence_upload_schema_is_satisfiable(world: ApiWorld) -> None:
    document = world.app.test_client().get(f"{API}/openapi.json").json
    assert document is not None
    path = document["paths"]["/api/v1/exercises/{ex}/incidents/{incident_id}/evidence"]
    schema = path["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "allOf" not in schema and schema["additionalProperties"] is False
    assert "file" in schema["required"] and "file" in schema["properties"]
    assert set(schema["properties"]) == {"file", "note", "csrf_token"}


def test_page_session_uploads_evidence_with_the_form_token(world: ApiWorld) -> None:
    report = world.as_role("blue").post(f"{X}/incidents", json=REPORT).json
    assert report is not None
    client, token = world.session("blue1")
    response = client.post(f"{X}/incidents/{report['id']}/evidence",
                           data={"csrf_token": token, "note": "log",
                                 "file": (io.BytesIO(b"GET /login\n"), "access.log")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    refused = client.post(f"{X}/incidents/{report['id']}/evidence",
                          data={"note": "no token",
                                "file": (io.BytesIO(b"GET /login\n"), "access.log")},
                          content_type="multipart/form-data")
    assert _error(refused, 400)["code"] == "csrf_failed"
