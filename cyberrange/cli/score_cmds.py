"""Scoring commands: submit flags, show the scoreboard, rescore with another formula."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click
from rich.table import Table

from cyberrange.context import AppContext
from scoring.scoreboard import Scoreboard, compute_scoreboard, explain, rank, recompute
from scoring.submissions import Answer, Submitter

ANSWER_STYLE = {Answer.ACCEPTED: "green", Answer.DUPLICATE: "yellow", Answer.OWN: "yellow"}


@click.command()
@click.argument("name")
@click.option("--team", "-t", required=True, help="Submitting team (e.g. red).")
@click.argument("flags", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print answers as JSON.")
@click.pass_obj
def submit(app: AppContext, name: str, team: str, flags: tuple[str, ...], as_json: bool) -> None:
    """Submit FLAGS (or one per line on stdin with -) for TEAM in exercise NAME."""
    texts = list(flags)
    if texts == ["-"] or not texts:
        texts = [line.strip() for line in sys.stdin if line.strip()]
    results = Submitter(app.engine, name).submit(team, texts, actor=f"cli:{team}")
    if as_json:
        click.echo(
            json.dumps(
                [{"flag": r.flag, "answer": r.answer.value, "message": r.message} for r in results]
            )
        )
        return
    for result in results:
        style = ANSWER_STYLE.get(result.answer, "red")
        # the message only when it adds to the answer ("accepted accepted" said nothing twice)
        extra = "" if result.message == result.answer.value else f" {result.message}"
        app.console.print(f"{result.flag} [{style}]{result.answer.value}[/]{extra}")


def scoreboard_table(board: Scoreboard) -> Table:
    """The board as a rich table (also used by `cyberrange demo`)."""
    state = " (frozen)" if board.frozen else ""
    table = Table(title=f"{board.exercise} — tick {board.tick}{state} — {board.formula}")
    categories = list(board.teams[0].categories) if board.teams else []
    for column in ("#", "team", "role", *categories, "total"):
        table.add_column(column, justify="left" if column in ("team", "role") else "right")
    for team in board.teams:
        values = [f"{team.categories[c]:.2f}" for c in categories]
        table.add_row(str(team.rank), team.name, team.role, *values, f"[bold]{team.total:.2f}")
    return table


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the board as JSON.")
@click.option("--formula", help="Score with another formula (default: the exercise's).")
@click.option(
    "--as-role",
    "viewer_role",
    default="white",
    show_default=True,
    help="See the board as this role sees it (teams see the freeze).",
)
@click.option("--explain", "explain_team", help="List the facts behind TEAM's scores.")
@click.pass_obj
def scoreboard(
    app: AppContext,
    name: str,
    as_json: bool,
    formula: str | None,
    viewer_role: str,
    explain_team: str | None,
) -> None:
    """Show the scoreboard of exercise NAME."""
    if explain_team:
        _explain(app, name, explain_team, formula, viewer_role, as_json)
        return
    board = compute_scoreboard(app.engine, name, formula=formula, viewer_role=viewer_role)
    if as_json:
        click.echo(json.dumps(asdict(board)))
        return
    app.console.print(scoreboard_table(board))
    points = {t.name: t.services for t in board.teams}
    for team in sorted(set(board.services) | {t for t, s in points.items() if s}):
        status, mine = board.services.get(team, {}), points.get(team, {})
        cells = []
        for svc in sorted(set(status) | set(mine)):
            st = status.get(svc, "-")
            cell = f"{svc} [{'green' if st.upper() == 'OK' else 'red'}]{st}[/]"
            cells.append(f"{cell} {mine[svc]:.2f}" if svc in mine else cell)
        app.console.print(f"{team}: {'  '.join(cells)}")


def _explain(
    app: AppContext, name: str, team: str, formula: str | None, role: str, as_json: bool
) -> None:
    from scoring.formulas.base import CATEGORIES

    lines = [ln for cat in CATEGORIES for ln in explain(app.engine, name, team, cat, formula, role)]
    if as_json:
        click.echo(json.dumps([asdict(ln) for ln in lines]))
        return
    table = Table(title=f"{team}: the facts behind the score")
    for column in ("category", "service", "fact", "tick", "points", "reason"):
        table.add_column(column)
    per_service: dict[str, float] = {}
    for ln in lines:
        fact = str(ln.fact_id) if ln.fact_id is not None else "-"
        table.add_row(ln.category, ln.service or "-", fact, str(ln.tick), f"{ln.points:.3f}",
                      ln.reason)  # fmt: skip
        if ln.service is not None:
            per_service[ln.service] = per_service.get(ln.service, 0.0) + ln.points
    app.console.print(table)
    for service, points in sorted(per_service.items()):
        app.console.print(f"{service}: {points:.3f}")


@click.command()
@click.argument("name")
@click.option("--formula", required=True, help="Formula to score with (faust, forcad, points).")
@click.option("--json", "as_json", is_flag=True, help="Print the board as JSON.")
@click.pass_obj
def rescore(app: AppContext, name: str, formula: str, as_json: bool) -> None:
    """Print what NAME's board would be under FORMULA. Changes nothing."""
    acc = recompute(app.engine, name, formula)
    teams = rank(acc.params, acc.totals())
    if as_json:
        click.echo(json.dumps([asdict(t) for t in teams]))
        return
    board = Scoreboard(name, acc.tick, False, formula, teams, {}, [])
    app.console.print(scoreboard_table(board))


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    cli.add_command(submit)
    cli.add_command(scoreboard)
    cli.add_command(rescore)
