"""The whole drill end to end on the real engine, Ansible, database and web UI.

A shortened demo: the scripted red team attacks both copies, copy 1's defender
detects, reports and hardens; mid-drill a target of copy 2 is killed.
"""

from __future__ import annotations

import io
import subprocess
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from cyberrange.cli.drill_console import ConsoleDisplay
from cyberrange.drill import Drill, DrillOptions, DrillResult
from range.config import Settings
from range.errors import NotFoundError
from records import audit
from records.findings import list_findings
from scoring.exercise import current_tick, get_exercise
from scoring.tables import ExerciseState, Fact, FactKind

pytestmark = [pytest.mark.docker, pytest.mark.ansible, pytest.mark.slow]

NAME = "drilltest"
KILLED = f"{NAME}-c2-db"


def facts(engine: Engine, kind: FactKind) -> list[Fact]:
    exercise = get_exercise(engine, NAME)
    with Session(engine) as session:
        query = select(Fact).where(Fact.exercise_id == exercise.id, Fact.kind == kind)
        return list(session.exec(query).all())


def labeled_objects(name: str) -> list[str]:
    found = []
    for kind in ("container", "network", "volume"):
        listing = ["docker", kind, "ls", "-q", "--filter", f"label=cyberrange.range={name}"]
        if kind == "container":
            listing.insert(3, "-a")
        result = subprocess.run(listing, capture_output=True, text=True, check=True)
        found += result.stdout.split()
    return found


def kill_when_running(engine: Engine, stop: threading.Event, at_tick: int) -> None:
    """The fault: kill copy 2's database container once the exercise is under way."""
    while not stop.wait(1.0):
        try:
            exercise = get_exercise(engine, NAME)
        except NotFoundError:  # not created yet
            continue
        if exercise.state is ExerciseState.RUNNING and current_tick(exercise) >= at_tick:
            subprocess.run(["docker", "kill", KILLED], capture_output=True, check=False)
            return


@pytest.fixture(scope="module")
def drill(
    docker_engine: None, tmp_path_factory: pytest.TempPathFactory, root: Path
) -> tuple[DrillResult, Engine, Settings]:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine

    import_all_tables()
    base = tmp_path_factory.mktemp("drill")
    settings = Settings(data_dir=base / "data", root=root)
    engine = open_engine(settings)
    options = DrillOptions(
        scenario=root / "scenarios" / "dmz-breach" / "scenario.yaml",
        name=NAME,
        copies=2,
        duration=180,
        tick=5,
        output=base / "reports",
        scripted=True,
    )
    stop = threading.Event()
    killer = threading.Thread(target=kill_when_running, args=(engine, stop, 24), daemon=True)
    killer.start()
    console = Console(file=io.StringIO(), width=140)
    try:
        result = Drill(settings, engine, ConsoleDisplay(console), options).run()
    finally:
        stop.set()
    return result, engine, settings


def test_captures_are_recorded(drill: tuple[DrillResult, Engine, Settings]) -> None:
    _, engine, _ = drill
    captures = facts(engine, FactKind.CAPTURE)
    assert captures, "the red team captured nothing"
    assert {c.team for c in captures} == {"red"}
    assert "blue-2" in {c.target for c in captures}
    actions = facts(engine, FactKind.RED_ACTION)
    techniques = {a.data["technique"] for a in actions if a.outcome == "success"}
    assert {"T1046", "T1190", "T1110.001"} <= techniques


def test_defended_copy_outscores_the_undefended_one(
    drill: tuple[DrillResult, Engine, Settings],
) -> None:
    result, _, _ = drill
    teams = {team.name: team for team in result.board.teams}
    assert teams["blue-1"].categories["defense"] > teams["blue-2"].categories["defense"]
    assert teams["blue-1"].total > teams["blue-2"].total
    assert teams["red"].categories["attack"] > 0
    commands = [a for a in result.defender_actions if not a.startswith("answered:")]
    assert commands and all(a.endswith("exit 0") for a in commands)
    assert any(a.startswith("answered:") for a in result.defender_actions)  # the CSIRT's RFI


def test_incident_report_matched(drill: tuple[DrillResult, Engine, Settings]) -> None:
    _, engine, _ = drill
    matches = facts(engine, FactKind.REPORT_MATCH)
    assert any(m.team == "blue-1" and m.host == "web" for m in matches), matches


def test_findings_drafted_with_cwe_and_attack(drill: tuple[DrillResult, Engine, Settings]) -> None:
    _, engine, _ = drill
    findings = {f.title: f for f in list_findings(engine, NAME)}
    sqli = next(f for title, f in findings.items() if "SQL injection" in title)
    assert sqli.cwe == "CWE-89"
    assert "T1190" in sqli.techniques


def test_every_export_is_written(drill: tuple[DrillResult, Engine, Settings]) -> None:
    result, _, _ = drill
    suffixes = {path.suffix for path in result.exports}
    assert {".csv", ".json", ".xlsx", ".html", ".pdf"} <= suffixes
    assert all(path.stat().st_size > 0 for path in result.exports)
    assert "After-action report" in result.report_html.read_text(encoding="utf-8")
    assert result.report_pdf.read_bytes().startswith(b"%PDF")


def test_audit_chain_verifies(drill: tuple[DrillResult, Engine, Settings]) -> None:
    _, engine, _ = drill
    verdict = audit.verify(engine, NAME)
    assert verdict.ok and verdict.count > 0


def test_killed_target_is_down_and_the_drill_goes_on(
    drill: tuple[DrillResult, Engine, Settings],
) -> None:
    result, engine, _ = drill
    checks = facts(engine, FactKind.CHECK)
    down = [c for c in checks if c.team == "blue-2" and c.host == "db" and c.outcome == "DOWN"]
    assert down, "the killed database was never reported DOWN"
    assert get_exercise(engine, NAME).state is ExerciseState.FINISHED
    assert max(c.tick for c in checks) > min(c.tick for c in down)  # ticks went on
    teams = {team.name: team for team in result.board.teams}
    assert teams["blue-2"].categories["availability"] < teams["blue-1"].categories["availability"]


def test_nothing_of_the_range_remains(drill: tuple[DrillResult, Engine, Settings]) -> None:
    deadline = time.monotonic() + 30
    while labeled_objects(NAME) and time.monotonic() < deadline:
        time.sleep(1)
    assert labeled_objects(NAME) == []
