"""`cyberrange challenges`: ctfcli's examples imported, played, exported and re-imported."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings
from scoring.challenges.loader import load_directory
from scoring.ledger import record_adjustment
from tests.unit.challenges.helpers import FIXTURES, competition


def run(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), *args])


def test_import_play_export_round_trip(settings: Settings, engine: Engine,
                                       tmp_path: Path) -> None:
    competition(engine, "ctf")
    result = run(settings, "challenges", "import", str(FIXTURES / "ctfcli"), "--exercise", "ctf")
    assert result.exit_code == 0, result.output
    assert "imported 6 challenge(s)" in result.output
    listing = run(settings, "challenges", "list", "ctf")
    assert listing.exit_code == 0 and "Warmup" in listing.output
    # requirements [1, "Other Test Challenge"]: 1 is the first imported (sorted by path)
    locked = run(settings, "challenges", "submit", "ctf", "Test Challenge", "flag{test-flag}",
                 "-t", "bravo")
    assert "locked — solve Are you alive, Other Test Challenge first" in locked.output
    for challenge, answer in (("Warmup", "flag{hello}"), ("Are you alive", "FLAG{ALIVE}")):
        done = run(settings, "challenges", "submit", "ctf", challenge, answer, "--team", "alpha")
        assert "correct" in done.output, done.output
    hint = run(settings, "challenges", "hint", "ctf", "Spec Example", "1", "--team", "alpha")
    assert "This hint costs points" in hint.output, hint.output
    board = json.loads(run(settings, "challenges", "board", "ctf", "--format", "json").output)
    assert board["standings"][0]["team"] == "alpha"
    assert board["standings"][0]["score"] == 10 + 10 + 10 + 10 - 10  # two solves, bloods, hint
    explain = json.loads(run(settings, "challenges", "board", "ctf", "--explain", "alpha",
                             "--format", "json").output)
    assert sorted(line["category"] for line in explain) == [
        "challenges", "challenges", "first blood", "first blood", "hints"]
    feed = json.loads(run(settings, "challenges", "board", "ctf", "--format", "ctftime").output)
    assert feed["standings"][0]["taskStats"]["Warmup"]["points"] == 20
    rows = list(csv.reader(io.StringIO(
        run(settings, "challenges", "board", "ctf", "--format", "ctfd-csv").output)))
    assert rows[1][:4] == ["1", "alpha", "1", "30"]
    rescored = json.loads(run(settings, "challenges", "rescore", "ctf", "--first-blood", "0",
                              "--format", "json").output)
    assert rescored["standings"][0]["score"] == 10
    out = tmp_path / "exported"
    assert run(settings, "challenges", "export", "ctf", str(out)).exit_code == 0
    again = {item.spec.name: item for item in load_directory(out)}
    original = {item.spec.name: item for item in load_directory(FIXTURES / "ctfcli")}
    assert again.keys() == original.keys()
    for name, item in original.items():
        assert again[name].spec == item.spec and again[name].raw == item.raw
    assert (out / "test-challenge" / "files" / "test.png").read_bytes() == \
        (FIXTURES / "ctfcli" / "test-challenge-full" / "files" / "test.png").read_bytes()


def test_broken_file_is_reported_with_its_position(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "challenge.yml").write_text("name: x\ncategory: c\nvalue: 5\nflag: [a]\n")
    result = run(settings, "challenges", "validate", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path / 'challenge.yml'}:4:1: error: unknown key 'flag'" in result.output


def test_combined_board_adds_the_exercise_board(settings: Settings, engine: Engine) -> None:
    exercise = competition(engine, "ctf", FIXTURES / "scoring")
    record_adjustment(engine, exercise, "bravo", 200.0, actor="trainer", reason="A/D points")
    assert run(settings, "challenges", "submit", "ctf", "Linear", "flag{linear}",
               "-t", "alpha").exit_code == 0
    rows = json.loads(run(settings, "challenges", "board", "ctf", "--combined", "--format",
                          "json").output)
    assert [(r["team"], r["exercise"], r["challenges"], r["total"]) for r in rows[:2]] == [
        ("bravo", 200.0, 0.0, 200.0), ("alpha", 0.0, 110.0, 110.0)]
