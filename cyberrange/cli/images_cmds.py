"""`cyberrange images build|list`: the range images, built offline from docker/."""

from __future__ import annotations

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cyberrange.context import AppContext
from range.images import BuildEvent, build_images, list_images

DONE = {"skipped": "[dim]up to date[/dim]", "built": "[green]built[/green]",
        "failed": "[red]failed[/red]"}


class BuildDisplay:
    """One progress row per image: its build step and the current step's line."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def _task(self, image: str) -> TaskID:
        if image not in self.tasks:
            # Not started: the elapsed time counts from the image's own start.
            self.tasks[image] = self.progress.add_task(image, total=None, start=False,
                                                       status="waiting")
        return self.tasks[image]

    def __call__(self, event: BuildEvent) -> None:
        task = self._task(event.image)
        if event.kind == "step":
            self.progress.update(task, total=event.total, completed=event.step - 1,
                                 status=event.message[:70])
        elif event.kind == "line":
            self.progress.update(task, status=event.message.strip()[:70])
        elif event.kind == "start":
            self.progress.update(task, status=event.message or "building")
            self.progress.start_task(task)
        elif event.kind in DONE:
            self.progress.start_task(task)
            total = self.progress.tasks[task].total or 1
            self.progress.update(task, total=total, completed=total,
                                 status=f"{DONE[event.kind]} {event.message}".strip())


@click.group()
def images() -> None:
    """The range images (docker/*/Dockerfile), built locally without a registry."""


@images.command()
@click.argument("names", nargs=-1)
@click.option("--force", is_flag=True,
              help="Rebuild the named images (default: all) even when up to date.")
@click.pass_obj
def build(app: AppContext, names: tuple[str, ...], force: bool) -> None:
    """Build images NAMES (default: all) and the images they are built FROM.

    Images whose content hash label matches docker/ are skipped. The Debian
    base root is made with debootstrap the first time (needs root).
    """
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description:<24}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
        console=app.console,
    )
    with progress:
        results = build_images(names, force=force, progress=BuildDisplay(progress),
                               docker_dir=app.settings.docker_dir)
    built = sum(1 for r in results if r.status == "built")
    app.console.print(f"{built} built, {len(results) - built} up to date")


def _size(size: int | None) -> str:
    return "-" if size is None else f"{size / 1_000_000:.0f} MB"


@images.command(name="list")
@click.pass_obj
def list_(app: AppContext) -> None:
    """Every image of docker/: built?, up to date?, size."""
    table = Table("image", "built", "up to date", "size")
    for row in list_images(app.settings.docker_dir):
        table.add_row(
            row.tag,
            "[green]yes[/green]" if row.built else "[red]no[/red]",
            "[green]yes[/green]" if row.up_to_date else "[yellow]no[/yellow]",
            _size(row.size),
        )
    app.console.print(table)


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    cli.add_command(images)
