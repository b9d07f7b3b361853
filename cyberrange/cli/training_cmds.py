"""`cyberrange training`: guided trainings on sandbox pools (docs/training.md)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from cyberrange.context import AppContext
from range.errors import GameError
from range.scenario.models import parse_duration

_file = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))


def _ttl(_: click.Context, __: click.Parameter, value: str) -> timedelta:
    try:
        return timedelta(seconds=parse_duration(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group()
def training() -> None:
    """Guided trainings: levels with hints and answers, one sandbox per trainee."""


@training.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def validate(app: AppContext, files: tuple[Path, ...]) -> None:
    """Check training FILES; print every problem as file:line:col: message."""
    from cyberrange.cli.scenario_cmds import check_files
    from scoring.training.loader import load_training

    check_files(app, files, lambda path: load_training(path, app.settings.root), "training")


@training.command("schema")
def schema() -> None:
    """Print the JSON Schema of training definitions (for editors)."""
    from scoring.training.spec import TrainingSpec

    click.echo(json.dumps(TrainingSpec.model_json_schema(by_alias=True), indent=2))


@training.command("import")
@_file
@click.pass_obj
def import_command(app: AppContext, file: Path) -> None:
    """Validate FILE and store it as a training trainees can start."""
    from scoring.training.catalog import import_definition
    from scoring.training.loader import load_training

    row = import_definition(app.engine, load_training(file, app.settings.root))
    levels = len(row.spec["levels"])
    app.console.print(f"training {row.name} imported ({levels} levels; sandboxes from pool "
                      f"{row.spec.get('pool') or row.name})", highlight=False)  # fmt: skip


@training.command("import-kypo")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="Name of the training here (lowercase).")
@click.option("--scenario", required=True, help="The sandbox scenario, relative to --output.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the training YAML (then edit, validate and import it).")
@click.pass_obj
def import_kypo(app: AppContext, file: Path, name: str, scenario: str, output: Path) -> None:
    """Convert a KYPO CRP training definition (JSON export) into a training YAML."""
    from scoring.training.kypo import convert
    from scoring.training.loader import load_training

    try:
        kypo = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise GameError(f"{file}: not a KYPO training definition JSON: {exc}") from None
    if not isinstance(kypo, dict):
        raise GameError(f"{file}: expected a JSON object (a training definition)")
    converted = convert(kypo, name, scenario)
    output.write_text(converted.yaml_text(), encoding="utf-8")
    for note in converted.notes:
        app.console.print(f"[yellow]note:[/] {note}", highlight=False)
    load_training(output, app.settings.root)  # the file we wrote must be valid
    app.console.print(f"wrote {output} ({len(converted.data['levels'])} levels)", highlight=False)


@training.command("start")
@click.argument("name")
@click.argument("trainee")
@click.option("--ttl", default="2h", show_default=True, callback=_ttl,
              help="How long the trainee keeps the sandbox.")  # fmt: skip
@click.pass_obj
def start(app: AppContext, name: str, trainee: str, ttl: timedelta) -> None:
    """Start (or resume) TRAINEE's run of training NAME with a sandbox of its pool."""
    from scoring.training.sandboxed import begin
    from webui.sandbox_access import enter

    here = begin(app.settings, app.engine, name, trainee, ttl)
    if not here.finished:
        way_in = enter(app.engine, trainee, here.run.pool, here.run.sandbox)
        if way_in:
            app.console.print(f"{trainee} reaches it from the web UI: /x/{way_in}/terminals "
                              f"and /x/{way_in}/access", highlight=False)  # fmt: skip
    app.console.print(f"{trainee} works in sandbox {here.run.sandbox} of pool {here.run.pool}",
                      highlight=False)  # fmt: skip
    _show(app, name, trainee)


@training.command("show")
@click.argument("name")
@click.argument("trainee")
@click.pass_obj
def show(app: AppContext, name: str, trainee: str) -> None:
    """TRAINEE's current level, hints taken and score."""
    _show(app, name, trainee)


@training.command("answer")
@click.argument("name")
@click.argument("trainee")
@click.argument("text")
@click.pass_obj
def answer_command(app: AppContext, name: str, trainee: str, text: str) -> None:
    """Answer the current task level for TRAINEE."""
    from scoring.training import play

    right, here = play.answer(app.engine, name, trainee, text)
    app.console.print("right" if right else "wrong", highlight=False)
    _after(app, here)


@training.command("hint")
@click.argument("name")
@click.argument("trainee")
@click.argument("number", type=click.IntRange(1, 20))
@click.pass_obj
def hint(app: AppContext, name: str, trainee: str, number: int) -> None:
    """Take hint NUMBER (1...) of the current level (its penalty once)."""
    from scoring.training import play

    text, new = play.take_hint(app.engine, name, trainee, number - 1)
    click.echo(text if new else f"(taken before, no new penalty)\n{text}")


@training.command("solution")
@click.argument("name")
@click.argument("trainee")
@click.pass_obj
def solution(app: AppContext, name: str, trainee: str) -> None:
    """Show the current level's solution (the level then scores 0)."""
    from scoring.training import play

    click.echo(play.show_solution(app.engine, name, trainee))


@training.command("repair")
@click.argument("name")
@click.argument("trainee")
@click.pass_obj
def repair(app: AppContext, name: str, trainee: str) -> None:
    """Bring back TRAINEE's sandbox (dead containers recreated and configured; kept)."""
    from scoring.sandboxes import repair_held
    from scoring.training import play

    here = play.position(app.engine, name, trainee)
    with app.console.status("repairing…"):
        repaired = repair_held(app.settings, app.engine, here.run.pool, trainee)
    app.console.print("repaired" if repaired else "every container of it runs: nothing to do")


@training.command("next")
@click.argument("name")
@click.argument("trainee")
@click.pass_obj
def next_level(app: AppContext, name: str, trainee: str) -> None:
    """Leave the current info level."""
    from scoring.training import play

    _after(app, play.read_on(app.engine, name, trainee))


@training.command("assess")
@click.argument("name")
@click.argument("trainee")
@click.argument("answers")
@click.pass_obj
def assess(app: AppContext, name: str, trainee: str, answers: str) -> None:
    """Answer the current assessment: ANSWERS is a JSON list, one per question."""
    from scoring.training import play

    try:
        given: Any = json.loads(answers)
    except ValueError as exc:
        raise GameError(f"ANSWERS must be a JSON list: {exc}") from None
    if not isinstance(given, list):
        raise GameError("ANSWERS must be a JSON list, one answer per question")
    _after(app, play.assess(app.engine, name, trainee, given))


@training.command("progress")
@click.argument("name")
@click.pass_obj
def progress(app: AppContext, name: str) -> None:
    """Every trainee of training NAME: level, score, hints, solutions, sandbox."""
    from scoring.training import play

    table = Table(title=f"training {name}")
    for column in ("trainee", "level", "score", "sandbox", "started", "finished"):
        table.add_column(column)
    for here in play.runs(app.engine, name):
        level = "done" if here.finished else f"{here.run.level + 1}/{len(here.spec.levels)}"
        table.add_row(here.run.trainee, level, str(here.score), str(here.run.sandbox),
                      f"{here.run.started_at:%H:%M:%S}",
                      f"{here.run.finished_at:%H:%M:%S}" if here.run.finished_at else "")
    app.console.print(table)


@training.command("export")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports"), show_default=True)  # fmt: skip
@click.option("--home-page", default="https://cyberrange.invalid", show_default=True,
              help="The xAPI accounts' homePage: the address trainees know this platform by.")
@click.pass_obj
def export(app: AppContext, name: str, output: Path, home_page: str) -> None:
    """Write training NAME's record: one CSV row and one xAPI statement per level event."""
    from records.training_runs import record_csv, statements

    folder = output / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}-training.csv").write_text(record_csv(app.engine, name), encoding="utf-8")
    body = json.dumps(statements(app.engine, name, home_page), indent=2, ensure_ascii=False)
    (folder / f"{name}-xapi.json").write_text(body, encoding="utf-8")
    app.console.print(f"wrote {folder}/{name}-training.csv and {name}-xapi.json", highlight=False)


def _show(app: AppContext, name: str, trainee: str) -> None:
    from scoring.training import play

    here = play.position(app.engine, name, trainee)
    if here.level is None:
        app.console.print(f"{trainee} finished {name} with {here.score} of "
                          f"{here.spec.max_points} points", highlight=False)  # fmt: skip
        return
    total = len(here.spec.levels)
    app.console.print(f"[bold]level {here.run.level + 1}/{total}: {here.level.title}[/] "
                      f"({here.level.type}; score so far {here.score})")  # fmt: skip
    content = getattr(here.level, "content", "")
    if content:
        click.echo(content)


def _after(app: AppContext, here: Any) -> None:
    from scoring.training.sandboxed import finish_if_done
    from webui.sandbox_access import go_out

    if here.finished:
        go_out(app.engine, here.run.trainee, here.run.pool)
    if finish_if_done(app.settings, app.engine, here):
        app.console.print(f"sandbox {here.run.sandbox} goes back to pool {here.run.pool}, fresh",
                          highlight=False)  # fmt: skip
    _show(app, here.spec.name, here.run.trainee)


def register(cli: click.Group) -> None:
    cli.add_command(training)
