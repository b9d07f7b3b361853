"""`cyberrange exercise pause|resume|stop` change the state through records.actions:
each change is one STATE fact and one audit entry (cli:<user>, with the tick)."""

from __future__ import annotations

import getpass
from pathlib import Path

from click.testing import CliRunner
from game_helpers import ROOT  # type: ignore[import-not-found]
from sqlmodel import Session, select

from cyberrange.cli import cli
from cyberrange.tables import import_all_tables
from range.config import Settings
from range.db import open_engine
from range.scenario.models import Scenario
from records.audit import entries, verify
from scoring.exercise import create_exercise, get_exercise, transition
from scoring.tables import ExerciseState, Fact, FactKind


def test_pause_resume_stop_are_facts_and_audit_entries(tmp_path: Path,
                                                       scenario: Scenario) -> None:
    import_all_tables()
    engine = open_engine(Settings(data_dir=tmp_path / "data", root=ROOT))
    create_exercise(engine, "gact", "gact", scenario, "scenario.yaml")
    transition(engine, "gact", "start", "test")
    base = ["--data-dir", str(tmp_path / "data"), "exercise"]
    for verb in ("pause", "resume", "stop"):
        result = CliRunner().invoke(cli, [*base, verb, "gact"])
        assert result.exit_code == 0, result.output
    refused = CliRunner().invoke(cli, [*base, "pause", "gact"])
    assert refused.exit_code == 1 and "cannot pause" in refused.output

    assert get_exercise(engine, "gact").state is ExerciseState.FINISHED
    actor = f"cli:{getpass.getuser()}"
    logged = [(e.action, e.actor, sorted(e.details)) for e in entries(engine, "gact")]
    assert logged == [(f"exercise.{verb}", actor, ["tick"]) for verb in ("pause", "resume", "stop")]
    assert verify(engine, "gact").ok
    with Session(engine) as session:
        states = session.exec(select(Fact).where(Fact.kind == FactKind.STATE)).all()
    assert [f.actor for f in states] == ["test", actor, actor, actor]
    engine.dispose()
