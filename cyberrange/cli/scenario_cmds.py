"""`cyberrange validate` and `cyberrange schema`: the scenario language commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from cyberrange.context import AppContext
from range.errors import ScenarioError
from range.scenario.loader import load
from range.scenario.schema import json_schema


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def validate(app: AppContext, files: tuple[Path, ...]) -> None:
    """Check scenario FILES; print every problem as file:line:col: error: message."""
    check_files(app, files, lambda path: load(path, app.settings.root), "scenario")


def check_files(
    app: AppContext, files: tuple[Path, ...], check: Callable[[Path], object], what: str
) -> None:
    """Load each file with ``check``; print its problems (file:line:col) or ok; exit 1 if any
    file is invalid. Shared by every language's `validate`."""
    failed = 0
    for file in files:
        try:
            check(file)
        except ScenarioError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        app.console.print(f"[green]ok[/green] {file}", highlight=False)
    if failed:
        click.echo(f"{failed} of {len(files)} {what} file(s) invalid", err=True)
        sys.exit(1)


@click.command()
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
def schema(output: Path | None) -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    text = json.dumps(json_schema(), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.FileError(str(output), hint=exc.strerror or str(exc)) from None


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    cli.add_command(validate)
    cli.add_command(schema)
