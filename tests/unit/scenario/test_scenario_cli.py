"""`cyberrange validate` and `cyberrange schema` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from scenario_fixture_text import BASE, with_change

from cyberrange.cli import cli

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_bundled_scenarios_validate() -> None:
    files = sorted(str(p) for p in ROOT.glob("scenarios/*/scenario.yaml"))
    assert files
    code, out, err = run("validate", *files)
    assert code == 0, err
    for file in files:
        assert f"ok {file}" in out


def test_validate_reports_every_problem_of_every_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(BASE, encoding="utf-8")
    bad_one = tmp_path / "bad-one.yaml"
    bad_one.write_text(
        with_change("duration: 30m", "duration: ten").replace("tick: 30s", "tick: x")
    )
    bad_two = tmp_path / "bad-two.yaml"
    bad_two.write_text(with_change("formula: faust", "formula: elo"))
    code, out, err = run(
        "validate", str(bad_one), str(good), str(bad_two), str(tmp_path / "no.yaml")
    )
    assert code == 1
    assert f"ok {good}" in out
    assert f"{bad_one}:4:11: error: 'duration': expected a duration like 30s" in err
    assert f"{bad_one}:5:7: error: 'tick': expected a duration" in err
    assert f"{bad_two}:43:12: error: unknown scoring formula 'elo'" in err
    assert f"{tmp_path / 'no.yaml'}:1:1: error: file not found" in err
    assert "3 of 4 scenario file(s) invalid" in err


def test_validate_needs_a_file() -> None:
    code, _, _ = run("validate")
    assert code == 2


def test_schema_is_printed_and_written(tmp_path: Path) -> None:
    code, out, _ = run("schema")
    assert code == 0
    printed = json.loads(out)
    assert printed["$schema"].startswith("https://json-schema.org/")
    target = tmp_path / "scenario.schema.json"
    code, _, _ = run("schema", "-o", str(target))
    assert code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == printed


def test_schema_to_unwritable_place_fails_cleanly(tmp_path: Path) -> None:
    code, _, err = run("schema", "-o", str(tmp_path / "missing-dir" / "s.json"))
    assert code == 1
    assert "s.json" in err
