"""`cyberrange exercise …` end to end on a private SQLite database (no checks)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from game_helpers import ROOT  # type: ignore[import-not-found]
from sqlmodel import Session, select

from cyberrange.cli import cli
from cyberrange.tables import import_all_tables
from range.config import Settings
from range.db import open_engine
from scoring.tables import ExerciseState, Fact, FactKind


def _scenario(tmp_path: Path) -> Path:
    text = (ROOT / "scenarios" / "hello-range" / "scenario.yaml").read_text()
    text = text.replace("duration: 10m", "duration: 3s").replace("tick: 10s", "tick: 1s")
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


def test_start_runs_to_the_end_then_commands_refuse(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "data"), "exercise"]
    scenario = str(_scenario(tmp_path))
    result = runner.invoke(cli, [*base, "start", "gcli", "--scenario", scenario, "--no-checks"])
    assert result.exit_code == 0, result.output
    assert "finished" in result.output
    status = runner.invoke(cli, [*base, "status", "gcli"])
    assert status.exit_code == 0 and "finished" in status.output
    paused = runner.invoke(cli, [*base, "pause", "gcli"])
    assert paused.exit_code == 1 and "cannot pause" in paused.output
    missing = runner.invoke(cli, [*base, "status", "nope"])
    assert missing.exit_code == 1 and "no exercise" in missing.output

    import_all_tables()
    engine = open_engine(Settings(data_dir=tmp_path / "data", root=ROOT))
    with Session(engine) as session:
        facts = session.exec(select(Fact).where(Fact.kind == FactKind.STATE)).all()
    engine.dispose()
    ticks = sorted(f.tick for f in facts if f.outcome == "tick")
    assert ticks == sorted(set(ticks)) and ticks[-1] == 3
    assert [f.actor for f in facts if f.outcome == str(ExerciseState.FINISHED)] == ["scheduler"]


def test_start_without_range_or_scenario_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "exercise", "start", "gx"])
    assert result.exit_code == 1
    assert "no deployed range 'gx'" in result.output and "--scenario" in result.output
