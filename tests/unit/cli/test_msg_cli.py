"""`cyberrange msg`: a scripted team answers a request and files a SITREP; the
white cell sees the state and grades both; refusals are one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings
from records import audit
from scoring.ledger import facts
from scoring.tables import Exercise, FactKind
from tests.unit.coordination.coord_world import EXERCISE, advance, make_coord_exercise


def run(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), "msg", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_scripted_team_answers_and_the_white_cell_grades(settings: Settings, engine: Engine,
                                                           tmp_path: Path) -> None:
    found: Exercise = make_coord_exercise(engine)
    advance(engine, EXERCISE, 400)  # the scenario's request (at 5m) is asked
    status = run(settings, "status", EXERCISE)
    assert "Indicators?" in status and "open" in status
    [listed] = json.loads(run(settings, "list", EXERCISE, "--as", "blue-1", "--json"))
    assert listed["unread"] == 1
    uid = listed["uid"]
    view = json.loads(run(settings, "show", EXERCISE, uid, "--as", "blue-1"))
    assert view["parties"] == ["cert-xy", "blue-1"] and view["kind"] == "rfi"
    iocs = tmp_path / "iocs.txt"
    iocs.write_text("198.51.100.10\n")
    run(settings, "reply", EXERCISE, uid, "the attacker: 198.51.100.10", "--as", "blue-1",
        "--attach", str(iocs))
    assert "answered" in run(settings, "status", EXERCISE)
    sitrep = run(settings, "sitrep", EXERCISE, "--as", "blue-1", "--situation", "defaced",
                 "--actions", "restored").strip()
    run(settings, "grade", EXERCISE, uid, "--team", "blue-1", "--points", "9")
    run(settings, "grade", EXERCISE, sitrep, "--score", "accuracy=4", "--score", "actions=3")
    points = sorted(f.points or 0 for f in facts(engine, found.id or 0,
                                                 kinds=[FactKind.INJECT_GRADE]))
    assert points == [7, 9]
    actors = {e.actor for e in audit.entries(engine, EXERCISE) if e.details.get("via") == "cli"}
    assert len(actors) == 1 and actors.pop().startswith("cli:")


def test_a_message_to_red_is_a_one_line_error(settings: Settings, engine: Engine) -> None:
    make_coord_exercise(engine)
    result = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), "msg", "send",
                                      EXERCISE, "psst", "--as", "blue-1", "--to", "red",
                                      "--subject", "hi"])
    assert result.exit_code != 0
    assert "error: 'red' is a red team" in result.output
