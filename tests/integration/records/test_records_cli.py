"""The records commands, run through the real CLI against a played exercise."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from records_play import PNG
from sqlalchemy import text
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings


def _run(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), *args])
    return result.exit_code, result.output


def test_export_command(settings: Settings, played: str, tmp_path: Path) -> None:
    code, out = _run(settings, "export", played, "--format", "defectdojo", "-o",
                     str(tmp_path / "out"))
    assert code == 0, out
    doc = json.loads((tmp_path / "out" / f"{played}-defectdojo.json").read_text())
    assert len(doc["findings"]) == 4
    code, out = _run(settings, "export", played, "--format", "docx")
    assert code == 2 and "docx" in out


def test_audit_verify_and_show(engine: Engine, settings: Settings, played: str) -> None:
    code, out = _run(settings, "audit", "verify", played)
    assert code == 0 and "intact" in out
    code, out = _run(settings, "audit", "show", played, "--json")
    entries = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and entries[0]["seq"] == 1 and entries[0]["prev_hash"] == "0" * 64
    assert "finding.confirm" in {e["action"] for e in entries}
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditentry SET actor='cli:nobody' WHERE chain=:c AND seq=4"),
                     {"c": played})
    code, out = _run(settings, "audit", "verify", played)
    assert code == 1 and "entry #4" in out and "edited" in out


def test_findings_list_and_confirm(settings: Settings, played: str) -> None:
    code, out = _run(settings, "findings", "list", played, "--json")
    findings = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(findings) == 4
    draft = next(f for f in findings if f["status"] == "draft")
    code, out = _run(settings, "findings", "confirm", played, str(draft["id"]),
                     "--severity", "critical")
    assert code == 0 and "confirmed" in out
    code, out = _run(settings, "findings", "list", played)
    assert code == 0 and "Critical" in out
    code, out = _run(settings, "findings", "confirm", played, "999")
    assert code == 1 and "no finding 999" in out


def test_participant_and_evidence(settings: Settings, played: str, tmp_path: Path) -> None:
    code, out = _run(settings, "participant", "add", "eve", "--name", "Eve", "--email", "e@x.org")
    assert code == 0, out
    code, out = _run(settings, "participant", "assign", played, "eve", "--team", "blue-2",
                     "--role", "blue")
    assert code == 0, out
    code, out = _run(settings, "participant", "assign", played, "eve", "--team", "blue-9",
                     "--role", "blue")
    assert code == 1 and "blue-9" in out
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    code, out = _run(settings, "evidence", played, str(shot))
    assert code == 0 and "sha256" in out
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00" * 8)
    code, out = _run(settings, "evidence", played, str(bad))
    assert code == 1 and "not allowed" in out


def test_signed_export_verifies_offline(settings: Settings, played: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, text_out = _run(settings, "export", played, "--format", "all", "-o", str(out))
    assert code == 0, text_out
    log = out / f"{played}-audit.json"
    head = json.loads(log.read_text())["head"]
    report = json.loads((out / f"{played}.json").read_text())["audit"]["signed_head"]
    assert report == head and len(head["hash"]) == 64 and head["signature"]
    assert head["hash"] in (out / f"{played}-report.html").read_text()
    key = out / f"{played}-audit-key.pub"
    code, text_out = _run(settings, "audit", "verify", str(log), "--key", str(key))
    assert code == 0 and "intact" in text_out, text_out
    code, text_out = _run(settings, "audit", "verify", played, "--expect", head["hash"])
    assert code == 0 and "entries after it" in text_out, text_out
    doc = json.loads(log.read_text())
    doc["entries"] = doc["entries"][:-1]
    log.write_text(json.dumps(doc))
    code, text_out = _run(settings, "audit", "verify", str(log))
    assert code == 1 and "entries were cut, added or rehashed" in text_out, text_out
    code, text_out = _run(settings, "audit", "key")
    assert code == 0 and text_out == key.read_text()


def test_audit_verify_of_unknown_exercise_fails(settings: Settings, played: str) -> None:
    code, out = _run(settings, "audit", "verify", "no-such-drill")
    assert code == 1 and "no exercise named 'no-such-drill'" in out, out


def test_incident_phase_command(settings: Settings, played: str, tmp_path: Path) -> None:
    code, out = _run(settings, "incident", "phase", played, "1", "containment",
                     "--functional-impact", "low")
    assert code == 0 and "containment (in-progress)" in out, out
    code, out = _run(settings, "incident", "phase", played, "1", "detection-analysis")
    assert code == 1 and "phases only move forward" in out, out
    code, out = _run(settings, "export", played, "-f", "json", "-o", str(tmp_path))
    (incident,) = json.loads((tmp_path / f"{played}.json").read_text())["incidents"]
    assert (incident["phase"], incident["functional_impact"]) == ("containment", "low")
    assert incident["contained_at"] and incident["host_refs"] == ["web@blue-1"]
