"""CSV and XLSX: every way a spreadsheet could run a cell is quoted; XLSX times are dates."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from records.exports import export
from records.exports.cells import safe_cell
from records.findings import create_finding

HOSTILE = [
    "=1+1", " =1+1", "\ufeff=HYPERLINK(\"x\")", "\uff1d1+1", "\u200b=cmd|' /C calc'!A0",
    "\t=1", "\r=1", "@SUM(A1)", "+1+1", "-1+2", "|cmd", "%0A", "\u3000@x", "\u00a0+2",
]
HARMLESS = ["-12.5", "1,000", "plain text", "a=b"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_quoted(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_kept(text: str) -> None:
    assert safe_cell(text) == text


@pytest.fixture
def hostile(engine: Engine, played: str) -> str:
    for text in HOSTILE:
        create_finding(engine, played, "web:rita", "red", f"{text}", description=text)
    return played


def test_csv_quotes_each_case(engine: Engine, hostile: str, tmp_path: Path) -> None:
    paths = {p.name: p for p in export(engine, hostile, "csv", tmp_path)}
    with paths[f"{hostile}-findings.csv"].open(newline="", encoding="utf-8") as handle:
        titles = {r["title"] for r in csv.DictReader(handle)}
    assert {"'" + t for t in HOSTILE} <= titles


def test_xlsx_quotes_each_case_and_has_dates(engine: Engine, hostile: str,
                                             tmp_path: Path) -> None:
    (path,) = export(engine, hostile, "xlsx", tmp_path)
    workbook = load_workbook(path)
    sheet = workbook["findings"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    titles = {r[header.index("title")].value for r in rows}
    assert {"'" + t for t in HOSTILE} <= titles
    created = rows[0][header.index("created_at")]
    assert created.is_date and isinstance(created.value, datetime)
    audit_sheet = workbook["audit"]
    at = next(audit_sheet.iter_rows(min_row=2))[[c.value for c in audit_sheet[1]].index("at")]
    assert at.is_date and at.number_format == "yyyy-mm-dd hh:mm:ss"
    for ws in workbook.worksheets:
        for line in ws.iter_rows():
            assert all(c.data_type != "f" for c in line)
