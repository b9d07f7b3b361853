"""`cyberrange cluster status|push-images`: the Docker swarm that runs swarm ranges."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cyberrange.context import AppContext

if TYPE_CHECKING:
    from range.cluster import NodeView

GIB = 1024**3


@click.group()
def cluster() -> None:
    """The Docker swarm behind `--backend swarm` ranges."""


def _numbers(copies: list[int]) -> str:
    """1, 2, 3, 5 → "1-3, 5"; copy 0 is "shared"."""
    parts: list[str] = ["shared"] if 0 in copies else []
    runs: list[list[int]] = []
    for copy in sorted(c for c in copies if c):
        if runs and copy == runs[-1][-1] + 1:
            runs[-1].append(copy)
        else:
            runs.append([copy])
    parts += [f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    return ", ".join(parts)


def _placement(views: list[NodeView]) -> Table:
    table = Table("range", "node", "copies", title="copies per node")
    rows: dict[tuple[str, str], list[int]] = {}
    for view in views:
        for name, copy in view.copies:
            rows.setdefault((name, view.node.hostname), []).append(copy)
    for (name, host), copies in sorted(rows.items()):
        table.add_row(name, host, _numbers(copies))
    return table


def _json(view: NodeView) -> dict[str, Any]:
    node = view.node
    return {
        "id": node.id,
        "hostname": node.hostname,
        "role": node.role,
        "state": node.state,
        "availability": node.availability,
        "engine": node.engine_url or ("(manager connection)" if node.is_self else ""),
        "cpus": node.cpus,
        "memory": node.memory,
        "memory_used": view.memory_used,
        "load": round(view.load, 3),
        "running": view.running,
        "stopped": view.stopped,
        "copies": [{"range": name, "copy": copy} for name, copy in view.copies],
    }


@cluster.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(app: AppContext, as_json: bool) -> None:
    """List the nodes, their load and which range copies run on each."""
    from range.backends.swarm import SwarmBackend
    from range.cluster import cluster_status

    views = cluster_status(SwarmBackend())
    if as_json:
        click.echo(json.dumps([_json(v) for v in views], indent=2))
        return
    table = Table("node", "role", "state", "engine", "cpus", "memory", "load", "running")
    for view in views:
        node = view.node
        engine = node.engine_url or ("this" if node.is_self else "[red]no engine label[/red]")
        state = node.state if node.availability == "active" else f"{node.state}/{node.availability}"
        table.add_row(
            node.hostname + (" *" if node.is_self else ""),
            node.role,
            state,
            engine,
            f"{node.cpus:g}",
            f"{node.memory / GIB:.1f} GiB",
            f"{view.load:.0%}",
            str(view.running) + (f" (+{view.stopped} stopped)" if view.stopped else ""),
        )
    app.console.print(table)
    app.console.print(_placement(views))
    app.console.print("* the node this manager connection reaches; load: memory limits / memory")


@cluster.command("push-images")
@click.argument("images", nargs=-1)
@click.pass_obj
def push_images(app: AppContext, images: tuple[str, ...]) -> None:
    """Load IMAGES (default: every cyberrange/* image here) into each node that lacks them.

    No registry is needed: `docker save` on this engine is piped into `docker
    load` on each node's engine (label `cyberrange.engine` on the node).
    """
    from range.backends.swarm import SwarmBackend
    from range.cluster import push_images as push
    from range.cluster import range_images

    backend = SwarmBackend()
    chosen = list(images) or range_images(backend)
    if not chosen:
        raise click.UsageError("no cyberrange/* image here: run `cyberrange images build` first")
    others = [n for n in backend.nodes() if n.reachable and not n.is_self]
    with Progress(
        TextColumn("[bold]pushing"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=app.console,
    ) as progress:
        task = progress.add_task("push", total=len(others), last="")
        loaded = push(backend, chosen, lambda m: progress.update(task, advance=1, last=m))
    for host, names in sorted(loaded.items()):
        app.console.print(f"{host}: " + (", ".join(names) or "had every image already"))
    if not others:
        app.console.print("no other reachable node: images are only needed on this engine")


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    cli.add_command(cluster)
