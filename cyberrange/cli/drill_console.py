"""The drill on a terminal: rules per phase, progress bars, tables (rich).

Implements ``cyberrange.drill_display.DrillDisplay`` for `cyberrange demo` and
`cyberrange run`; the drill itself never writes to the console.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cyberrange.cli.images_cmds import BuildDisplay
from cyberrange.drill_display import ExerciseWatch
from cyberrange.participant_access import HandedOut, handout_table
from range.images import BuildEvent
from scoring.scoreboard import Scoreboard

LEADERS = 4  # teams shown beside the exercise's progress bar


class DeployBars:
    """Two bars: containers and networks applied, Ansible tasks started."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.units: TaskID = progress.add_task("containers and networks", total=None)
        self.tasks: TaskID = progress.add_task("configure hosts (Ansible)", total=None, start=False)

    def planned(self, units: int) -> None:
        self.progress.update(self.units, total=units)

    def applied(self, unit: str) -> None:
        self.progress.advance(self.units)

    def task(self, host: str, task: str) -> None:
        self.progress.start_task(self.tasks)
        self.progress.update(self.tasks, description=f"configure {host}: {task}"[:70])
        self.progress.advance(self.tasks)


class ConsoleDisplay:
    """A DrillDisplay on a rich console."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def phase_started(self, title: str) -> None:
        self.console.rule(f"[bold]{title}")

    def phase_done(self, title: str, seconds: float) -> None:
        self.console.print(f"[green]✓[/] {title} [dim]({seconds:.1f} s)[/]")

    def note(self, text: str) -> None:
        self.console.print(text)

    def warning(self, text: str) -> None:
        self.console.print(f"[red]{text}[/]", highlight=False)

    @contextmanager
    def building(self) -> Iterator[Callable[[BuildEvent], None]]:
        columns = (SpinnerColumn(), TextColumn("{task.description:<22}"), BarColumn(),
                   TextColumn("{task.fields[status]}"), TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=self.console) as progress:
            yield BuildDisplay(progress)

    @contextmanager
    def deploying(self) -> Iterator[DeployBars]:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=self.console) as progress:
            yield DeployBars(progress)

    @contextmanager
    def exercising(self, ticks: int) -> Iterator[ExerciseWatch]:
        columns = (TextColumn("tick {task.completed:.0f}/{task.total:.0f}"), BarColumn(),
                   TextColumn("{task.fields[board]}"), TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=self.console) as progress:
            task = progress.add_task("exercise", total=ticks, board="")

            def show(tick: int, board: Scoreboard | None) -> None:
                if board is None:
                    progress.update(task, completed=tick)
                    return
                leaders = "  ".join(f"{t.name} {t.total:.1f}" for t in board.teams[:LEADERS])
                progress.update(task, completed=tick, board=leaders)

            yield show

    def handed_out(self, participants: list[HandedOut]) -> None:
        self.console.print(handout_table(participants))


def timings_table(timings: list[tuple[str, float]]) -> Table:
    table = Table(title="Phases")
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    for title, seconds in timings:
        table.add_row(title, f"{seconds:.1f}")
    table.add_row("[bold]total", f"[bold]{sum(s for _, s in timings):.1f}")
    return table
