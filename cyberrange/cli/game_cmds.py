"""`cyberrange exercise …`: start (and run the clock), pause, resume, stop, status."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Group
from rich.live import Live
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cyberrange.context import AppContext
from range.config import Settings
from range.errors import NotFoundError
from range.plan import Plan
from range.scenario.models import Inject, Scenario
from records.actions import Actor, change_state
from records.audit import append
from scoring.checkers.runner import TickChecks
from scoring.clock import Clock, ClockCallbacks, TickReport
from scoring.exercise import (
    create_exercise,
    current_tick,
    get_exercise,
    tick_count,
    time_left,
)
from scoring.tables import Exercise, ExerciseState, Fact, FactKind

STATUS_STYLE = {
    "OK": "green",
    "RECOVERING": "cyan",
    "CORRUPT": "yellow",
    "MUMBLE": "dark_orange",
    "DOWN": "red",
    "CHECK_FAILED": "magenta",
}


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _acting() -> Actor:
    """The CLI's user as the actor of a use case (records.actions): cli:<user> on both."""
    return Actor(_actor(), _actor())


def _audit(engine: Engine, exercise: str, actor: str, action: str, details: dict[str, Any]) -> None:
    append(engine, exercise, actor, action, details)


@dataclass
class _Setup:
    scenario: Scenario
    scenario_path: Path
    plan: Plan


def _setup(
    engine: Engine,
    settings: Settings,
    range_name: str,
    scenario_file: Path | None,
    copies: int | None,
) -> _Setup:
    """Scenario and plan from the deployed range's record, else from --scenario."""
    from range.planner import make_plan
    from range.scenario.loader import load
    from range.state import get_record, plan_from_dict

    try:
        record = get_record(engine, range_name)
    except NotFoundError:
        if scenario_file is None:
            raise NotFoundError(
                f"no deployed range {range_name!r}: deploy it first (`cyberrange up`) "
                "or give --scenario FILE"
            ) from None
        loaded = load(scenario_file, settings.root)
        return _Setup(loaded.scenario, loaded.path, make_plan(loaded.scenario, range_name, copies))
    loaded = load(Path(record.scenario_path), settings.root)
    return _Setup(loaded.scenario, loaded.path, plan_from_dict(record.plan))


def _checks(app: AppContext, setup: _Setup, timeout: float, workers: int) -> TickChecks:
    from cyberrange.game import build_checks

    return build_checks(
        app.settings, app.engine, setup.plan, setup.scenario, setup.scenario_path, timeout, workers
    )


def _adversary(app: AppContext, setup: _Setup, exercise: Exercise) -> Any:
    """Inject `run` steps execute for real: the red team's steps from the scenario."""
    from range.backends import get_backend
    from range.provision.attack_run import RangeSteps
    from range.scenario.loader import LoadedScenario
    from scoring.adversary import Adversary
    from scoring.submissions import Submitter

    loaded = LoadedScenario(setup.scenario, setup.scenario_path, setup.scenario_path.parent)
    steps = RangeSteps(app.settings, get_backend(app.settings), setup.plan, loaded)
    submitter = Submitter(app.engine, exercise.name)

    def submit(team: str, flags: list[str]) -> None:
        submitter.submit(team, flags)

    return Adversary(app.engine, exercise.name, loaded, setup.plan, steps, submit)


@dataclass
class _Display:
    """What the live view shows; on_tick fills it from the clock's thread."""

    last: TickReport | None = None
    log: list[str] = field(default_factory=list)

    def on_tick(self, report: TickReport) -> None:
        self.last = report

    def render(self, exercise: Exercise) -> Group:
        head = Table.grid(padding=(0, 2))
        left = time_left(exercise)
        head.add_row(
            f"[bold]{exercise.name}[/]",
            f"state [bold]{exercise.state}[/]",
            f"tick {current_tick(exercise)}/{tick_count(exercise)}",
            f"time left {int(left // 60)}m{int(left % 60):02d}s",
        )
        parts: list[Any] = [head]
        if self.last is not None:
            parts.append(_results_table(self.last))
        parts.extend(self.log[-5:])
        return Group(*parts)


def _results_table(report: TickReport) -> Table:
    table = Table(title=f"checks of tick {report.tick} ({report.duration:.1f} s)")
    for column in ("team", "service", "status", "message"):
        table.add_column(column)
    for result in sorted(report.results, key=lambda r: (r.target.copy, r.target.slot)):
        style = STATUS_STYLE.get(str(result.status), "")
        table.add_row(
            result.target.team,
            f"{result.target.host}/{result.target.service.name}",
            f"[{style}]{result.status}[/]",
            result.message[:60],
        )
    return table


def _run_clock(
    app: AppContext, exercise: Exercise, checks: TickChecks | None, setup: _Setup
) -> None:
    assert exercise.id is not None
    engine, display = app.engine, _Display()

    def audit(actor: str, action: str, details: dict[str, Any]) -> None:
        _audit(engine, exercise.name, actor, action, details)
        display.log.append(f"[dim]{action}[/] {details}")

    adversary = _adversary(app, setup, exercise)

    def run_step(inject: Inject) -> None:
        assert inject.run is not None
        outcomes = adversary.run(inject)
        done = sum(o.outcome == "success" for o in outcomes)
        display.log.append(f"red step on {inject.run.host}: {done}/{len(outcomes)} succeeded")

    callbacks = ClockCallbacks(on_tick=display.on_tick, run_step=run_step, audit=audit)
    clock = Clock(engine, exercise.id, checks, callbacks)
    clock.start()
    try:
        with Live(display.render(exercise), console=app.console, refresh_per_second=2) as live:
            while not clock.wait(1.0):
                live.update(display.render(get_exercise(engine, exercise.name)))
            live.update(display.render(get_exercise(engine, exercise.name)))
    except KeyboardInterrupt:
        app.console.print(
            f"[yellow]Clock stopped. Exercise {exercise.name!r} is still {exercise.state} and "
            "its game time keeps passing; run `cyberrange exercise start "
            f"{exercise.name}` to resume the clock (missed ticks are skipped), or "
            f"`cyberrange exercise pause {exercise.name}`.[/]"
        )
    finally:
        clock.stop()
        if checks is not None:
            checks.close()
    if clock.finished.is_set():
        app.console.print(f"[green]Exercise {exercise.name!r} finished.[/]")


@click.group("exercise")
def exercise_group() -> None:
    """Run exercises: the clock, checkers, injects; pause, resume and stop them."""


@exercise_group.command("start")
@click.argument("name")
@click.option("--range", "range_name", help="Deployed range to play on [default: NAME].")
@click.option(
    "--scenario",
    "scenario_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Scenario file, when the range has no record (not deployed by this installation).",
)
@click.option("--copies", type=click.IntRange(1, 250), help="Copies (with --scenario).")
@click.option("--check-timeout", default=10.0, show_default=True, help="Seconds per check.")
@click.option("--workers", default=32, show_default=True, help="Copies checked at once.")
@click.option("--no-checks", is_flag=True, help="Run the clock and injects without checkers.")
@click.pass_obj
def start_cmd(
    app: AppContext,
    name: str,
    range_name: str | None,
    scenario_file: Path | None,
    copies: int | None,
    check_timeout: float,
    workers: int,
    no_checks: bool,
) -> None:
    """Start exercise NAME (creating it if needed) and run its clock in the foreground.

    Runs until the exercise ends. Ctrl-C stops only the clock: the exercise stays
    running, and running `start` again resumes it at the right tick.
    """
    engine = app.engine
    setup = _setup(
        engine, app.settings, range_name or _range_of(engine, name), scenario_file, copies
    )
    exercise = create_exercise(
        engine, name, setup.plan.range, setup.scenario, str(setup.scenario_path), setup.plan.copies
    )
    if exercise.state is ExerciseState.CREATED:
        exercise = change_state(engine, name, "start", _acting(), {"range": setup.plan.range})
    checks = None if no_checks else _checks(app, setup, check_timeout, workers)
    if checks is not None:
        with app.console.status("starting the checker agents…"):
            problems = checks.prepare()
        for container, problem in problems.items():
            app.console.print(f"[yellow]checker {container}: {problem} (retried each tick)[/]")
    _run_clock(app, exercise, checks, setup)


def _range_of(engine: Engine, name: str) -> str:
    """An existing exercise's range (RANGE.2 plays on RANGE), else the range called NAME."""
    try:
        return get_exercise(engine, name).range_name
    except NotFoundError:
        return name


def _change(app: AppContext, name: str, action: str) -> None:
    exercise = change_state(app.engine, name, action, _acting())
    app.console.print(f"exercise {name}: {exercise.state} (tick {current_tick(exercise)})")


@exercise_group.command("pause")
@click.argument("name")
@click.pass_obj
def pause_cmd(app: AppContext, name: str) -> None:
    """Pause exercise NAME: game time stops; the running clock notices within a second."""
    _change(app, name, "pause")


@exercise_group.command("resume")
@click.argument("name")
@click.pass_obj
def resume_cmd(app: AppContext, name: str) -> None:
    """Resume a paused exercise NAME; the rest of the schedule shifts by the pause."""
    _change(app, name, "resume")


@exercise_group.command("stop")
@click.argument("name")
@click.pass_obj
def stop_cmd(app: AppContext, name: str) -> None:
    """Finish exercise NAME now (cannot be undone)."""
    _change(app, name, "stop")


@exercise_group.command("status")
@click.argument("name")
@click.pass_obj
def status_cmd(app: AppContext, name: str) -> None:
    """State, tick and time left of exercise NAME, and its latest check results."""
    exercise = get_exercise(app.engine, name)
    left = time_left(exercise)
    app.console.print(
        f"[bold]{exercise.name}[/] (range {exercise.range_name}): [bold]{exercise.state}[/], "
        f"tick {current_tick(exercise)}/{tick_count(exercise)}, "
        f"time left {int(left // 60)}m{int(left % 60):02d}s, "
        f"paused for {exercise.paused_seconds:.0f}s in total"
    )
    facts = _latest_checks(app.engine, exercise)
    if not facts:
        app.console.print("no check results yet")
        return
    table = Table(title=f"checks of tick {facts[0].tick}")
    for column in ("team", "service", "status", "message"):
        table.add_column(column)
    for fact in facts:
        style = STATUS_STYLE.get(fact.outcome or "", "")
        table.add_row(
            fact.team or "", f"{fact.host}/{fact.service}", f"[{style}]{fact.outcome}[/]",
            fact.message[:60],
        )  # fmt: skip
    app.console.print(table)


def _latest_checks(engine: Engine, exercise: Exercise) -> list[Fact]:
    with Session(engine) as session:
        base = select(Fact).where(Fact.exercise_id == exercise.id, Fact.kind == FactKind.CHECK)
        latest = session.exec(base.order_by(col(Fact.tick).desc()).limit(1)).first()
        if latest is None:
            return []
        query = base.where(Fact.tick == latest.tick).order_by(col(Fact.team), col(Fact.service))
        return list(session.exec(query).all())


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    cli.add_command(exercise_group)
