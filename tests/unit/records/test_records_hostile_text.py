"""Text a participant writes never breaks an export (issue 15, item 11): control
characters are made visible per format, and one format's failure never stops the others."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from range.config import Settings
from records.exports import FORMATS, ExportError, export, exporters
from records.incidents import IncidentInput, file_incident

HOSTILE = "evil\x00title\x0b\x1b[31mred\x7f"
SHOWN = "evil\\x00title\\x0b\\x1b[31mred\\x7f"


@pytest.fixture
def hostile(engine: Engine, exercise: str) -> str:
    file_incident(engine, exercise, "blue-1", "blue1",
                  IncidentInput(title=HOSTILE, description="line\x01\nnext",
                                observables=[("ip", "10.1.1.10\x00")]))
    return exercise


def test_every_format_survives_control_characters(engine: Engine, hostile: str,
                                                  tmp_path: Path) -> None:
    paths = export(engine, hostile, "all", tmp_path)
    assert {p.suffix for p in paths} >= {".csv", ".json", ".xlsx", ".html", ".pdf"}
    sheet = load_workbook(tmp_path / f"{hostile}.xlsx")["incidents"]
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == [SHOWN]
    with (tmp_path / f"{hostile}-incidents.csv").open(newline="", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert row["title"] == SHOWN and row["description"] == "line\\x01\nnext"
    html = (tmp_path / f"{hostile}-report.html").read_text(encoding="utf-8")
    assert SHOWN in html and "\x1b" not in html and "\x00" not in html
    # JSON keeps the text exactly: its escapes are already inert.
    document = json.loads((tmp_path / f"{hostile}.json").read_text(encoding="utf-8"))
    assert document["incidents"][0]["title"] == HOSTILE


def test_one_failing_format_does_not_stop_the_others(engine: Engine, hostile: str,
                                                     tmp_path: Path) -> None:
    (tmp_path / f"{hostile}.xlsx").mkdir()  # the XLSX file cannot be written
    with pytest.raises(ExportError) as caught:
        export(engine, hostile, "all", tmp_path)
    assert set(caught.value.failed) == {"xlsx"}
    assert "xlsx" in str(caught.value)
    written = {p.name for p in caught.value.written}
    assert f"{hostile}-report.pdf" in written and f"{hostile}.json" in written
    assert len(exporters()) == len(FORMATS) - 1


def test_cli_export_reports_the_failure_in_one_line(engine: Engine, settings: Settings,
                                                    hostile: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / f"{hostile}.xlsx").mkdir(parents=True)
    command = [str(Path(sys.executable).with_name("cyberrange")), "--data-dir",
               str(settings.data_dir), "export", hostile, "-o", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "COLUMNS": "400"})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        "error: 1 export format(s) failed (xlsx: IsADirectoryError")
    assert f"{hostile}-report.pdf" in result.stdout
    assert (out / f"{hostile}-report.pdf").stat().st_size > 0
    log = (settings.logs_dir / "cli-errors.log").read_text(encoding="utf-8")
    assert "export format xlsx" in log and "IsADirectoryError" in log and "Traceback" in log


def test_web_download_of_all_zips_what_worked(engine: Engine, hostile: str) -> None:
    from webui.exporting import export_download

    download = export_download(engine, hostile, "all")
    with zipfile.ZipFile(io.BytesIO(download.body)) as archive:
        names = archive.namelist()
    assert f"{hostile}.xlsx" in names and "FAILED.txt" not in names
