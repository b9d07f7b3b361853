"""CSRF, upload limits, inert user text, and team isolation on the pages."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Flask
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from records.tables import IncidentReport
from scoring.tables import Exercise
from tests.unit.webui.conftest import EXERCISE, logged_in, page_token

SCRIPT = "<script>alert('x')</script>"
FORMULA = "=cmd|' /C calc'!A0"
NEW_REPORT = f"/x/{EXERCISE}/reports/new"


def _file_report(app: Flask, username: str, title: str, **extra: object) -> str:
    client = logged_in(app, username)
    data: dict[str, object] = {
        "csrf_token": page_token(client, NEW_REPORT),
        "title": title,
        "description": f"{SCRIPT}\n{FORMULA}",
        "severity": "High",
        "tlp": "AMBER+STRICT",
        "pap": "GREEN",
        "rsit": "intrusions/application-compromise",
        "hosts": "web",
        "techniques": "T1190",
        "observables": f"ip 198.51.100.10\nurl http://x/{SCRIPT}",
        **extra,
    }
    response = client.post(NEW_REPORT, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return str(response.headers["Location"])


def test_wrong_csrf_token_is_400(app: Flask, exercise: Exercise) -> None:
    client = logged_in(app, "redteam")
    response = client.post(f"/x/{EXERCISE}/submit", data={"flags": "x", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_missing_csrf_token_is_400(app: Flask, exercise: Exercise) -> None:
    client = logged_in(app, "trainer")
    response = client.post(f"/x/{EXERCISE}/console/state", data={"action": "pause"})
    assert response.status_code == 400


def test_oversized_upload_is_413(app: Flask, exercise: Exercise) -> None:
    client = logged_in(app, "blue1")
    fields: MultiDict[str, Any] = MultiDict(
        {"csrf_token": page_token(client, NEW_REPORT), "title": "big"}
    )
    fields.add("evidence", FileStorage(io.BytesIO(b"a" * (11 * 1024 * 1024)), "big.txt"))
    # Encoded in memory: the test client would spool a body this big to a temp file
    # it never closes, which pytest (warnings as errors) reports.
    boundary, body = encode_multipart(fields)
    response = client.post(
        NEW_REPORT, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413


def test_wrong_evidence_type_is_refused_and_nothing_filed(
    app: Flask, exercise: Exercise, engine: Engine
) -> None:
    client = logged_in(app, "blue1")
    response = client.post(
        NEW_REPORT,
        data={"csrf_token": page_token(client, NEW_REPORT), "title": "with a binary",
              "evidence": (io.BytesIO(b"\x7fELF\x02\x01\x01\x00\x00"), "tool.elf")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "file type not allowed" in page
    assert 'value="with a binary"' in page  # what was typed is kept
    with Session(engine) as session:
        assert session.exec(select(IncidentReport)).first() is None


def test_script_and_formula_text_is_shown_inert(app: Flask, exercise: Exercise) -> None:
    detail = _file_report(app, "blue1", f"Breach {SCRIPT}")
    pages = {
        "blue1": [detail, f"/x/{EXERCISE}/reports", f"/x/{EXERCISE}/team"],
        "trainer": [detail, f"/x/{EXERCISE}/console"],
        "auditor": [f"/x/{EXERCISE}/audit/incidents", f"/x/{EXERCISE}/audit/log"],
    }
    for username, paths in pages.items():
        client = logged_in(app, username)
        for path in paths:
            html = client.get(path).get_data(as_text=True)
            assert "<script>alert" not in html, f"live script on {path}"
            assert "&lt;script&gt;" in html or "\\u003cscript" in html, path
    detail_html = logged_in(app, "blue1").get(detail).get_data(as_text=True)
    assert FORMULA.replace("'", "&#39;") in detail_html  # shown as text, not evaluated


def test_csv_export_neutralises_formulas(app: Flask, exercise: Exercise) -> None:
    _file_report(app, "blue1", FORMULA)
    client = logged_in(app, "auditor")
    response = client.get(f"/x/{EXERCISE}/audit/export/csv?part=incidents")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["title"].lstrip("'") for row in rows] == [FORMULA]
    cells = [cell for row in rows for cell in row.values() if cell]
    assert not [cell for cell in cells if cell[0] in "=+-@"]


def test_blue_team_cannot_read_another_teams_report(app: Flask, exercise: Exercise) -> None:
    detail = _file_report(
        app, "blue1", "Only ours", evidence=(io.BytesIO(b"secret log line\n"), "ours.log")
    )
    own = logged_in(app, "blue1")
    page = own.get(detail).get_data(as_text=True)
    assert "Only ours" in page
    evidence_url = next(
        part.split('"', 1)[0] for part in page.split('href="') if "/evidence/" in part
    )
    with own.get(evidence_url) as download:  # a file response: close it
        assert download.get_data() == b"secret log line\n"
        assert download.headers["Content-Disposition"].startswith("attachment")
    other = logged_in(app, "blue2")
    assert other.get(detail).status_code == 404
    assert other.get(evidence_url).status_code == 404
    assert "Only ours" not in other.get(f"/x/{EXERCISE}/reports").get_data(as_text=True)
    assert "Only ours" not in other.get(f"/x/{EXERCISE}/team").get_data(as_text=True)
    assert logged_in(app, "auditor").get(detail).status_code == 200


def test_unknown_exercise_is_404(app: Flask, exercise: Exercise) -> None:
    client = logged_in(app, "trainer")
    assert client.get("/x/nope/scoreboard").status_code == 404
