"""The drill's steps without a console: problems, display events (no Docker).

The scripted red team keeps its own problem list. The drill once replaced its
list with the adversary's when the clock callbacks were built, which dropped
the checker-preparation problems noted just before (demo mode only).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from cyberrange.drill import Drill, DrillOptions
from cyberrange.drill_display import ExerciseWatch
from cyberrange.drill_web import WebServer, demo_accounts
from cyberrange.range_exercise import settle_exercise
from range.backends import get_backend
from range.config import Settings
from range.planner import make_plan
from range.scenario.loader import load
from scoring.ledger import load_teams


class RecordingDisplay:
    """A DrillDisplay that keeps what it was told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def phase_started(self, title: str) -> None:
        self.events.append(("started", title))

    def phase_done(self, title: str, seconds: float) -> None:
        self.events.append(("done", title))

    def note(self, text: str) -> None:
        self.events.append(("note", text))

    def warning(self, text: str) -> None:
        self.events.append(("warning", text))

    @contextmanager
    def building(self) -> Iterator[Callable[[Any], None]]:
        yield lambda event: self.events.append(("build", event))

    @contextmanager
    def deploying(self) -> Iterator[Any]:
        raise NotImplementedError
        yield

    @contextmanager
    def exercising(self, ticks: int) -> Iterator[ExerciseWatch]:
        yield lambda tick, board: self.events.append(("tick", tick))

    def handed_out(self, participants: list[Any]) -> None:
        self.events.append(("handed out", participants))


def test_checker_problems_survive_the_scripted_red_team(
    settings: Settings, engine: Engine, root: Path, tmp_path: Path
) -> None:
    scenario = root / "scenarios" / "dmz-breach" / "scenario.yaml"
    loaded = load(scenario, root)
    plan = make_plan(loaded.scenario, "drillunit")
    game = settle_exercise(engine, plan, loaded, None, "test").exercise
    teams = {team.name: team.role for team in load_teams(engine, game.id)}
    demo_accounts(engine, teams, tmp_path / "credentials.txt")
    display = RecordingDisplay()
    drill = Drill(settings, engine, display, DrillOptions(scenario=scenario, scripted=True))

    checker = "checker drillunit-c1-checker: no answer (retried each tick)"
    drill.own_problems.append(checker)  # as the exercise step notes it, before the callbacks
    callbacks, defender = drill.callbacks(
        loaded, plan, game.name, get_backend(settings), WebServer(settings)
    )
    assert defender is not None and drill.adversary is not None
    assert callbacks.run_step is not None and callbacks.on_tick is not None
    drill.adversary.problems.append("red step sqli on copy 2: no answer")

    assert drill.problems == [checker, "red step sqli on copy 2: no answer"]


def test_unscripted_drill_has_no_adversary_and_reports_clock_errors(
    settings: Settings, engine: Engine, root: Path
) -> None:
    scenario = root / "scenarios" / "hello-range" / "scenario.yaml"
    loaded = load(scenario, root)
    plan = make_plan(loaded.scenario, "drillunit2")
    game = settle_exercise(engine, plan, loaded, None, "test").exercise
    display = RecordingDisplay()
    drill = Drill(settings, engine, display, DrillOptions(scenario=scenario))
    drill.own_problems.append("access: no VPN host")

    callbacks, defender = drill.callbacks(
        loaded, plan, game.name, get_backend(settings), WebServer(settings)
    )
    assert defender is None and drill.adversary is None and callbacks.run_step is None
    assert callbacks.on_error is not None
    callbacks.on_error(RuntimeError("tick 3 took too long"))
    assert display.events == [("warning", "clock: RuntimeError: tick 3 took too long")]
    assert drill.problems == ["access: no VPN host"]
    with drill.phase("Verify the network"):
        pass
    assert display.events[-2:] == [
        ("started", "Verify the network"),
        ("done", "Verify the network"),
    ]
    assert [title for title, _ in drill.timings] == ["Verify the network"]


def test_drill_steps_import_no_command_line_and_no_progress_bars(root: Path) -> None:
    code = (
        "import sys, cyberrange.drill\n"
        "print(sorted(m for m in sys.modules"
        " if m.startswith('cyberrange.cli') or m == 'rich.progress'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
