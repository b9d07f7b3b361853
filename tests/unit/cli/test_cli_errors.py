"""Expected errors are one line and exit 1 or 2; a bug is one line naming the log
file with its traceback (issue 15, items 15 and 16)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine

from cyberrange.cli import CyberrangeGroup, cli
from cyberrange.cli.crash import EXIT_BUG, LOG_NAME
from cyberrange.context import AppContext
from range.config import Settings

HUGE = str(2**63)


def _run(settings: Settings, *args: str, url: str | None = None) -> Result:
    options = ["--data-dir", str(settings.data_dir)]
    if url is not None:
        options += ["--database-url", url]
    return CliRunner().invoke(cli, [*options, *args])


def _one_error(result: Result, code: int, *words: str) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines and all(w in result.output for w in words), result.output
    return lines[-1]


@pytest.mark.parametrize("url,words", [
    ("nosuchdb://x/y", ("invalid database URL", "nosuchdb")),
    ("this is not a url", ("invalid database URL",)),
    ("postgresql+psycopg://cr:s3cret@127.0.0.1:1/db?connect_timeout=2",
     ("error: cannot", "127.0.0.1")),
])
def test_bad_database_url_is_one_line(settings: Settings, url: str,
                                      words: tuple[str, ...]) -> None:
    result = _run(settings, "ranges", url=url)
    _one_error(result, 1, *words)
    assert result.output.startswith("error: ") and "s3cret" not in result.output


def test_non_utf8_users_csv(settings: Settings, tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_bytes("username,role,team,password\nj\xf6rg,blue,blue-1,pw\n".encode("latin-1"))
    _one_error(_run(settings, "users", "import", str(csv_file)), 1, "not UTF-8 text (byte 29")


@pytest.fixture
def exercise(engine: Engine, root: Path) -> str:
    """A dmz-breach exercise (created, not started: no Docker needed)."""
    from range.scenario import load
    from scoring.exercise import create_exercise

    path = root / "scenarios" / "dmz-breach" / "scenario.yaml"
    create_exercise(engine, "cli-errors", "cli-errors", load(path, root=root).scenario, str(path))
    return "cli-errors"


@pytest.fixture
def evidence_file(tmp_path: Path) -> Path:
    path = tmp_path / "access.log"
    path.write_text("GET /login?u='--\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("option,value,code,words", [
    ("--incident", "-1", 2, ("-1 is not in the range",)),
    ("--incident", HUGE, 2, ("is not in the range",)),
    ("--incident", "99", 1, ("no incident report 99",)),
    ("--finding", "7", 1, ("no finding 7",)),
])
def test_evidence_for_missing_or_impossible_ids(settings: Settings, engine: Engine,
                                                exercise: str, evidence_file: Path,
                                                option: str, value: str, code: int,
                                                words: tuple[str, ...]) -> None:
    result = _run(settings, "evidence", exercise, str(evidence_file), option, value)
    _one_error(result, code, *words)
    assert not list(settings.data_dir.glob("evidence/*"))  # nothing stored


@pytest.mark.parametrize("finding,code,words", [
    ("12345", 1, ("no finding 12345",)), (HUGE, 2, ("is not in the range",)),
    ("0", 2, ("is not in the range",)),
])
def test_findings_confirm_missing_ids(settings: Settings, engine: Engine, exercise: str,
                                      finding: str, code: int, words: tuple[str, ...]) -> None:
    _one_error(_run(settings, "findings", "confirm", exercise, finding), code, *words)


@pytest.mark.parametrize("verb", ["verify", "show"])
def test_audit_of_an_unknown_exercise_is_an_error(settings: Settings, engine: Engine,
                                                  verb: str) -> None:
    result = _run(settings, "audit", verb, "nosuchexercise")
    _one_error(result, 1, "no exercise named 'nosuchexercise'")
    assert "intact" not in result.output


def test_a_bug_is_one_line_naming_the_log_file(settings: Settings) -> None:
    class Root(CyberrangeGroup):  # its commands added here, not from the lazy table
        get_command = click.Group.get_command
        list_commands = click.Group.list_commands

    @click.group(cls=Root)
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = AppContext(settings=settings)

    @root.command()
    def broken() -> None:
        {}["missing"]  # a genuine programming error

    result = CliRunner().invoke(root, ["broken"])
    log = settings.logs_dir / LOG_NAME
    line = _one_error(result, EXIT_BUG, "unexpected KeyError", str(log))
    assert "this is a bug" in line
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError: 'missing'" in text
