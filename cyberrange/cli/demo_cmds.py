"""`cyberrange demo` (the whole drill on the bundled scenario) and `cyberrange run FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from cyberrange.context import AppContext
from range.scenario.models import parse_duration

DEMO_SCENARIO = Path("scenarios") / "dmz-breach" / "scenario.yaml"


def _seconds(_: click.Context, __: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.option("--keep", is_flag=True, help="Leave the range and the web UI up afterwards.")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports"), show_default=True, help="Where exports and the report go.")
@click.option("--duration", default="4m", show_default=True, callback=_seconds,
              help="Length of the compressed exercise.")
@click.option("--tick", default="6s", show_default=True, callback=_seconds)
@click.option("--name", help="Range and exercise name [default: demo, demo-2... (a new one)].")
@click.pass_obj
def demo(
    app: AppContext, keep: bool, output: Path, duration: int, tick: int, name: str | None
) -> None:
    """Run a complete drill on the bundled DMZ scenario with scripted red and blue teams.

    Builds the images if needed, deploys two blue copies, provisions them,
    verifies the network, runs a time-compressed exercise (the red team attacks
    both copies; copy 1 detects, reports and hardens, copy 2 does nothing),
    writes every export and the after-action report, prints the scoreboard and
    tears the range down.
    """
    from cyberrange.cli.drill_console import ConsoleDisplay
    from cyberrange.drill import Drill, DrillOptions

    options = DrillOptions(
        scenario=app.settings.root / DEMO_SCENARIO, name=name or _fresh_name(app, "demo"),
        copies=2, duration=duration,
        tick=tick, output=output.resolve(), keep=keep, scripted=True,
    )  # fmt: skip
    drill = Drill(app.settings, app.engine, ConsoleDisplay(app.console), options)
    _finish(app, drill.run(), keep)


@click.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Range and exercise name [default: the scenario's name].")
@click.option("--copies", type=int, help="Number of blue copies.")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports"), show_default=True)
@click.option("--duration", callback=_seconds, help="Compress the exercise to this length.")
@click.option("--tick", callback=_seconds, help="Tick length (with --duration).")
@click.pass_obj
def run_drill(
    app: AppContext, file: Path, name: str | None, copies: int | None, output: Path,
    duration: int | None, tick: int | None,
) -> None:  # fmt: skip
    """Run FILE for real teams: deploy, provision, verify, and run the exercise.

    The web UI is served for the teams until the exercise ends; then every
    export is written. The range stays up (`cyberrange down NAME` removes it).
    Run the same command again after a crash: it repairs and resumes.
    """
    from cyberrange.cli.drill_console import ConsoleDisplay
    from cyberrange.drill import Drill, DrillOptions

    options = DrillOptions(
        scenario=file, name=name, copies=copies, duration=duration, tick=tick,
        output=output.resolve(), keep=False, scripted=False, teardown=False,
    )  # fmt: skip
    drill = Drill(app.settings, app.engine, ConsoleDisplay(app.console), options)
    _finish(app, drill.run(), keep=False)


def _fresh_name(app: AppContext, base: str) -> str:
    """``base``, or base-2, base-3... when earlier demos' exercises have finished."""
    from range.errors import NotFoundError
    from scoring.exercise import get_exercise
    from scoring.tables import ExerciseState

    for number in range(1, 1000):
        name = base if number == 1 else f"{base}-{number}"
        try:
            exercise = get_exercise(app.engine, name)
        except NotFoundError:
            return name
        if exercise.state is not ExerciseState.FINISHED:
            return name  # an interrupted demo: this run resumes it
    return f"{base}-{number + 1}"


def _finish(app: AppContext, result: object, keep: bool) -> None:
    from cyberrange.cli.drill_console import timings_table
    from cyberrange.cli.score_cmds import scoreboard_table
    from cyberrange.drill import DrillResult

    assert isinstance(result, DrillResult)
    app.console.print(scoreboard_table(result.board))
    app.console.print(timings_table(result.timings))
    for problem in result.problems:
        app.console.print(f"[yellow]note: {problem}[/]")
    for action in result.defender_actions:
        app.console.print(f"[dim]blue-1 defender: {action}[/]")
    app.console.print(f"After-action report: [bold]{result.report_html}[/]")
    app.console.print(f"PDF: [bold]{result.report_pdf}[/]")
    if keep and result.web_url:
        app.console.print(
            f"The range {result.name} is still up. Web UI: {result.web_url} "
            f"(accounts in {result.report_html.parent / 'credentials.txt'}); "
            f"`cyberrange down {result.name}` removes the range."
        )
        _print_terminals(app, result.name, result.web_url)
    if result.access:
        from cyberrange.participant_access import handout_table

        app.console.print(handout_table(result.access))


def _print_terminals(app: AppContext, name: str, web_url: str) -> None:
    from cyberrange.terminal_urls import terminal_urls
    from range.lifecycle import plan_of
    from range.scenario.models import Scenario
    from scoring.exercise import get_exercise

    scenario = Scenario.model_validate(get_exercise(app.engine, name).scenario)
    app.console.print(f"Browser terminals (all listed at {web_url}/x/{name}/terminals):")
    for line in terminal_urls(web_url, name, plan_of(app.engine, name), scenario):
        app.console.print(f"  {line}", soft_wrap=True)


def register(cli: click.Group) -> None:
    cli.add_command(demo)
    cli.add_command(run_drill)
