"""`cyberrange challenges …`: import, export, play and score ctfcli challenges."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from cyberrange.context import AppContext
from records.audit import append
from records.challenge_actions import submit_answer, take_hint
from scoring.challenges.board import ChallengeBoard, challenge_board
from scoring.challenges.combined import combined_board
from scoring.challenges.export import safe_dirname, write_challenge
from scoring.challenges.feeds import ctfd_scoreboard_csv, ctftime_feed
from scoring.challenges.loader import load_directory
from scoring.challenges.store import challenge_files, import_challenges, load_challenges, set_rules
from scoring.ledger import load_exercise, load_teams


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@click.group("challenges")
def challenges_group() -> None:
    """Jeopardy challenges in ctfcli's challenge.yml format, scored in an exercise."""


@challenges_group.command("validate")
@click.argument("directory", type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def validate_cmd(app: AppContext, directory: Path) -> None:
    """Check every challenge.yml below DIRECTORY (errors at file:line:col)."""
    loaded = load_directory(directory)
    for item in loaded:
        app.console.print(f"{item.path}: ok ({item.spec.name}, {item.spec.category})")


@challenges_group.command("import")
@click.argument("directory", type=click.Path(exists=True, path_type=Path))
@click.option("--exercise", "-e", required=True, help="Exercise the challenges belong to.")
@click.pass_obj
def import_cmd(app: AppContext, directory: Path, exercise: str) -> None:
    """Import (or update, by name) every challenge below DIRECTORY into EXERCISE."""
    loaded = load_directory(directory)
    stored = import_challenges(app.engine, exercise, loaded, _actor())
    append(app.engine, exercise, _actor(), "challenges.import",
           {"source": str(directory), "challenges": [item.spec.name for item in loaded]})
    app.console.print(f"imported {len(loaded)} challenge(s) into {exercise}; "
                      f"it has {len(stored)} now")


@challenges_group.command("export")
@click.argument("exercise")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def export_cmd(app: AppContext, exercise: str, directory: Path) -> None:
    """Write EXERCISE's challenges as ctfcli directories under DIRECTORY."""
    found = load_exercise(app.engine, exercise)
    assert found.id is not None
    for challenge in load_challenges(app.engine, found.id):
        target = directory / safe_dirname(challenge.name)
        path = write_challenge(challenge.raw, challenge_files(app.engine, challenge.id), target)
        app.console.print(f"{challenge.name}: {path}")


@challenges_group.command("list")
@click.argument("exercise")
@click.pass_obj
def list_cmd(app: AppContext, exercise: str) -> None:
    """EXERCISE's challenges with their current value and solves."""
    board = challenge_board(app.engine, exercise)
    found = load_exercise(app.engine, exercise)
    assert found.id is not None
    ids = {c.name: (c.number, c.spec) for c in load_challenges(app.engine, found.id)}
    table = Table(title=f"{exercise}: challenges")
    for column in ("#", "name", "category", "type", "value", "solves", "state", "requires"):
        table.add_column(column)
    for stat in board.challenges:
        cid, spec = ids[stat.name]
        requires = ", ".join(str(r) for r in spec.requirements.prerequisites)
        table.add_row(str(cid), stat.name, stat.category, spec.type, str(stat.value),
                      str(stat.solves), spec.state, requires)
    app.console.print(table)


@challenges_group.command("submit")
@click.argument("exercise")
@click.argument("challenge")
@click.argument("answer")
@click.option("--team", "-t", required=True)
@click.pass_obj
def submit_cmd(app: AppContext, exercise: str, challenge: str, answer: str, team: str) -> None:
    """Answer CHALLENGE for TEAM (recorded and audited whatever the answer)."""
    result = submit_answer(app.engine, exercise, team, challenge, answer, _actor())
    app.console.print(f"{result.challenge}: {result.outcome.value} — {result.message}")


@challenges_group.command("hint")
@click.argument("exercise")
@click.argument("challenge")
@click.argument("number", type=click.IntRange(1))
@click.option("--team", "-t", required=True)
@click.pass_obj
def hint_cmd(app: AppContext, exercise: str, challenge: str, number: int, team: str) -> None:
    """Unlock hint NUMBER of CHALLENGE for TEAM (its cost is deducted)."""
    hint = take_hint(app.engine, exercise, team, challenge, number, _actor())
    app.console.print(f"hint {number} (cost {hint.cost}): {hint.content}")


@challenges_group.command("rules")
@click.argument("exercise")
@click.option("--wrong-limit", type=click.IntRange(0), required=True,
              help="Wrong answers an account may give per window (0: no limit).")
@click.option("--window", type=click.IntRange(1), default=60, show_default=True,
              help="Seconds of the window.")
@click.pass_obj
def rules_cmd(app: AppContext, exercise: str, wrong_limit: int, window: int) -> None:
    """Set EXERCISE's wrong-answer limit per account."""
    set_rules(app.engine, exercise, wrong_limit, window)
    append(app.engine, exercise, _actor(), "challenges.rules",
           {"wrong_limit": wrong_limit, "window": window})
    app.console.print(f"{exercise}: {wrong_limit} wrong answers per {window} s per account")


def board_table(board: ChallengeBoard) -> Table:
    table = Table(title=f"{board.exercise} — challenges{' (frozen)' if board.frozen else ''}")
    for column in ("#", "team", "score", "solves"):
        table.add_column(column, justify="left" if column == "team" else "right")
    for s in board.standings:
        table.add_row(str(s.rank), s.team, f"{s.score:g}", str(len(s.solves)))
    return table


def _emit(app: AppContext, board: ChallengeBoard, output: str, explain_team: str | None) -> None:
    if explain_team:
        lines = [ln for ln in board.lines if ln.team == explain_team]
        if output == "json":
            click.echo(json.dumps([asdict(ln) for ln in lines]))
            return
        table = Table(title=f"{explain_team}: the facts behind the challenge score")
        for column in ("category", "fact", "tick", "points", "reason"):
            table.add_column(column)
        for ln in lines:
            table.add_row(ln.category, str(ln.fact_id), str(ln.tick), f"{ln.points:g}", ln.reason)
        app.console.print(table)
        return
    if output == "json":
        data: dict[str, Any] = {"exercise": board.exercise, "frozen": board.frozen,
                                "standings": [asdict(s) for s in board.standings],
                                "challenges": [asdict(c) for c in board.challenges]}
        click.echo(json.dumps(data, default=str))
    elif output == "ctftime":
        click.echo(json.dumps(ctftime_feed(board)))
    elif output == "ctfd-csv":
        found = load_exercise(app.engine, board.exercise)
        assert found.id is not None
        ids = {t.name: i + 1 for i, t in enumerate(load_teams(app.engine, found.id))}
        click.echo(ctfd_scoreboard_csv(board, ids), nl=False)
    else:
        app.console.print(board_table(board))


OUTPUTS = click.Choice(["table", "json", "ctftime", "ctfd-csv"])


@challenges_group.command("board")
@click.argument("exercise")
@click.option("--as-role", "role", default="white", show_default=True,
              help="See the board as this role does (teams see the freeze).")
@click.option("--explain", "explain_team", help="The facts behind TEAM's challenge score.")
@click.option("--format", "output", type=OUTPUTS, default="table", show_default=True)
@click.option("--combined", is_flag=True,
              help="Add each team's total on the exercise's own board (attack-defense).")
@click.pass_obj
def board_cmd(app: AppContext, exercise: str, role: str, explain_team: str | None,
              output: str, combined: bool) -> None:
    """The challenge board of EXERCISE."""
    if combined:
        _combined(app, exercise, role, output == "json")
        return
    _emit(app, challenge_board(app.engine, exercise, role), output, explain_team)


def _combined(app: AppContext, exercise: str, role: str, as_json: bool) -> None:
    standings = combined_board(app.engine, exercise, role)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in standings]))
        return
    table = Table(title=f"{exercise} — exercise and challenges")
    for column in ("#", "team", "exercise", "challenges", "total"):
        table.add_column(column, justify="left" if column == "team" else "right")
    for s in standings:
        table.add_row(str(s.rank), s.team, f"{s.exercise:g}", f"{s.challenges:g}",
                      f"{s.total:g}")
    app.console.print(table)


@challenges_group.command("rescore")
@click.argument("exercise")
@click.option("--first-blood", type=float, required=True, help="Bonus for each first solve.")
@click.option("--explain", "explain_team", help="The facts behind TEAM's challenge score.")
@click.option("--format", "output", type=OUTPUTS, default="table", show_default=True)
@click.pass_obj
def rescore_cmd(app: AppContext, exercise: str, first_blood: float, explain_team: str | None,
                output: str) -> None:
    """The board from the same facts and the current challenge definitions, with another
    first-blood bonus. Changes nothing (re-import a challenge to change its value)."""
    board = challenge_board(app.engine, exercise, "white", first_blood=first_blood)
    _emit(app, board, output, explain_team)


def register(cli: click.Group) -> None:
    cli.add_command(challenges_group)
