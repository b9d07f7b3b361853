"""Every export parsed back and checked, on a played dmz-breach exercise."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from records_play import FORMULA, HTML
from sqlalchemy.engine import Engine

from range.errors import NotFoundError, RecordError
from records.exports import FORMATS, export


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _one(engine: Engine, name: str, fmt: str, out: Path) -> list[Path]:
    paths = export(engine, name, fmt, out)
    assert paths and all(p.stat().st_size > 0 for p in paths)
    return paths


def test_csv_neutralises_formulas(engine: Engine, played: str, tmp_path: Path) -> None:
    paths = {p.name: p for p in _one(engine, played, "csv", tmp_path)}
    with paths[f"{played}-findings.csv"].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    titles = [r["title"] for r in rows]
    assert "'" + FORMULA in titles and FORMULA not in titles
    sqli = next(r for r in rows if r["cwe"] == "CWE-89")
    assert sqli["impact"] == "'" + FORMULA and sqli["duplicates"] == "1"
    assert sqli["affected_hosts"] == "web@blue-1, web@blue-2"
    for path in paths.values():
        with path.open(newline="", encoding="utf-8") as handle:
            for line in csv.reader(handle):
                for cell in line:
                    if _number(cell):
                        continue  # -5.0 is a number to a spreadsheet, not a formula
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path, cell)


def test_json_keeps_text_as_given(engine: Engine, played: str, tmp_path: Path) -> None:
    (path,) = _one(engine, played, "json", tmp_path)
    doc = json.loads(path.read_text())
    assert doc["audit"]["intact"] is True
    assert {f["title"] for f in doc["findings"]} >= {FORMULA, "SQL injection in login form"}
    (incident,) = doc["incidents"]
    assert incident["description"] == HTML and incident["tlp"] == "AMBER+STRICT"
    assert incident["red_actions"] and incident["findings"]
    assert doc["scores"][0]["team"] == "red"


def test_xlsx_cells_are_text(engine: Engine, played: str, tmp_path: Path) -> None:
    (path,) = _one(engine, played, "xlsx", tmp_path)
    workbook = load_workbook(path)
    assert set(workbook.sheetnames) == {"findings", "incidents", "training", "scores", "audit"}
    sheet = workbook["findings"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("title")] for row in sheet.iter_rows(min_row=2)]
    hostile = next(c for c in cells if FORMULA in str(c.value))
    assert hostile.data_type == "s" and hostile.value == "'" + FORMULA
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)


def test_xapi_statements(engine: Engine, played: str, tmp_path: Path) -> None:
    (path,) = _one(engine, played, "xapi", tmp_path)
    statements = json.loads(path.read_text())
    verbs = {s["verb"]["id"].rsplit("/", 1)[-1].rsplit(":", 1)[-1] for s in statements}
    assert {"attempted", "completed", "passed", "failed", "answered", "reported"} <= verbs
    assert len({s["id"] for s in statements}) == len(statements)
    for s in statements:
        assert s["actor"]["account"]["name"] and s["object"]["id"]
        assert s["timestamp"].endswith("+00:00")
    rita = [s for s in statements if s["actor"]["account"]["name"] == "rita"]
    done = next(s for s in rita if s["verb"]["display"]["en-US"] == "completed")
    assert done["result"]["score"]["raw"] > 0 and done["result"]["duration"].startswith("PT")
    assert done["context"]["extensions"]["urn:cyberrange:xapi:ext:nice-work-role"] == \
        "Exploitation Analyst (AN-EXP-001)"


def test_html_report_is_inert(engine: Engine, played: str, tmp_path: Path) -> None:
    (path,) = _one(engine, played, "html", tmp_path)
    text = path.read_text()
    assert "<script>" not in text and "onerror=alert" not in text.replace("onerror=alert(1)&gt;",
                                                                           "")
    assert "&lt;script&gt;alert(" in text
    assert text.count("<svg") == 2  # topology and score timeline, inline
    for section in ("Summary", "Topology", "Score timeline", "Findings", "Incidents",
                    "Per team", "Per participant"):
        assert f"<h2>{section}</h2>" in text


def test_pdf_has_pages_and_text(engine: Engine, played: str, tmp_path: Path) -> None:
    (path,) = _one(engine, played, "pdf", tmp_path)
    reader = PdfReader(path)
    assert len(reader.pages) >= 2
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "After-action report" in text and "SQL injection" in text
    assert "T1190" in text and "tick" in text  # chart text is text, not paths
    assert "<script>alert('x')</script>" in text  # shown as text, not run


def test_all_writes_every_format(engine: Engine, played: str, tmp_path: Path) -> None:
    names = {p.name for p in export(engine, played, "all", tmp_path)}
    assert len(FORMATS) == 11  # and "audit", written only when signed (test_records_cli)
    assert {f"{played}.json", f"{played}.xlsx", f"{played}-report.pdf",
            f"{played}-stix.json", f"{played}-defectdojo.json", f"{played}-xapi.json",
            f"{played}-report.html", f"{played}-findings.csv"} <= names


def test_bad_requests(engine: Engine, played: str, tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="unknown export format"):
        export(engine, played, "docx", tmp_path)
    with pytest.raises(NotFoundError):
        export(engine, "rec-missing", "json", tmp_path)
