"""`cyberrange up|down|status|ranges|verify|reset|shell`: deployed ranges."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cyberrange.context import AppContext
from range.backends import backend_factories

if TYPE_CHECKING:
    from range.backends.base import HostStatus
    from range.config import Settings
    from range.lock import Holder
    from range.plan import Plan
    from range.state import RangeRecord
    from range.verify import ProbeResult
    from scoring.succession import Succession

STATE_STYLE = {"up": "green", "deploying": "yellow", "failed": "red", "down": "dim"}


def _progress(app: AppContext) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<12}"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=app.console,
    )


def _backend_option(command: Any) -> Any:
    return click.option(
        "--backend",
        type=click.Choice(sorted(backend_factories())),
        help="Container backend [default: the range's own; for up: CYBERRANGE_BACKEND or docker].",
    )(command)


def _settings(app: AppContext, backend: str | None, name: str | None = None) -> Settings:
    """The settings with the chosen backend: the option, else the one NAME was deployed with."""
    from dataclasses import replace

    from range.errors import NotFoundError
    from range.state import get_record

    if backend is None and name is not None:
        try:
            backend = get_record(app.engine, name).backend
        except NotFoundError:
            backend = None
    return app.settings if backend is None else replace(app.settings, backend=backend)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Range name [default: the scenario's name].")
@click.option("--copies", type=click.IntRange(1, 250), help="Copies of the target network.")
@click.option(
    "--no-provision", is_flag=True, help="Only create networks and containers; skip Ansible."
)
@_backend_option
@click.pass_obj
def up(
    app: AppContext,
    file: Path,
    name: str | None,
    copies: int | None,
    no_provision: bool,
    backend: str | None,
) -> None:
    """Deploy the scenario FILE as a range and configure it, or repair it if it runs.

    Creates what is missing, replaces what drifted, then configures every host
    with Ansible and plants each copy's signed objective flags. Run it again
    after any failure: it converges. The range keeps its exercise, whatever its
    state; a changed scenario (tick, copies, services…) or a range that was
    down starts a new one, RANGE.N, and the old one's records are kept.
    """
    from cyberrange.compose import deploy, deploy_unconfigured
    from range.scenario.loader import load

    settings = _settings(app, backend)
    loaded = load(file, settings.root)
    with _progress(app) as progress:
        task = progress.add_task("deploying", total=None, last="")
        tasks = progress.add_task("configuring", total=None, last="", start=False)

        def planned(plan: Plan) -> None:
            progress.update(task, total=len(plan.networks) + len(plan.containers))

        def step(message: str) -> None:
            progress.update(task, advance=1, last=message)

        def configuring(host: str, name: str) -> None:
            progress.start_task(tasks)
            progress.update(tasks, advance=1, last=f"{host}: {name}"[:60])

        if no_provision:
            result, settled = deploy_unconfigured(
                settings, app.engine, loaded, name, copies,
                on_apply=step, on_plan=planned, actor=_actor(),
            )  # fmt: skip
            plan, report = result.plan, result.report
            succession = settled.succession if settled else None
        else:
            deployment = deploy(
                settings, app.engine, loaded, name, copies,
                on_apply=step, on_task=configuring, on_plan=planned, actor=_actor(),
            )  # fmt: skip
            plan, report, succession = deployment.plan, deployment.applied, deployment.succession
    app.console.print(
        f"range [bold]{plan.range}[/bold] is up: {len(report.created)} created, "
        f"{len(report.replaced)} replaced, {len(report.unchanged)} unchanged"
        + ("" if no_provision else "; every host configured")
    )
    if succession is not None:
        app.console.print(_succession_text(succession), highlight=False)


def _actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def _succession_text(succession: Succession) -> str:
    """What `up` did with the range's exercise, in one line."""
    from scoring.succession import Choice

    new, old = succession.name, succession.previous
    if succession.choice is Choice.CREATE:
        return f"exercise {new} created (start it with `cyberrange exercise start {new}`)"
    if succession.choice is Choice.KEEP:
        return f"exercise {new} kept"
    why = (
        "the range was down"
        if succession.after_down
        else f"scenario changed since exercise {old} ({'; '.join(succession.changes)})"
    )
    return f"{why}: starting exercise {new}; {old}'s records are kept"


@click.command()
@click.argument("name")
@_backend_option
@click.pass_obj
def down(app: AppContext, name: str, backend: str | None) -> None:
    """Remove every container, network and volume of range NAME."""
    from cyberrange.compose import teardown

    with _progress(app) as progress:
        task = progress.add_task("removing", total=None, last="")
        removed, stopped = teardown(
            _settings(app, backend, name),
            app.engine,
            name,
            lambda m: progress.update(task, advance=1, last=m),
            actor=_actor(),
        )
    app.console.print(f"range [bold]{name}[/bold] is down: {removed} objects removed")
    if stopped is not None:
        app.console.print(
            f"exercise {stopped.name} stopped at tick {stopped.current_tick} (its records are "
            "kept); the next `up` starts a new exercise",
            highlight=False,
        )


def _ranges_table(records: list[RangeRecord], gone: dict[str, Holder]) -> Table:
    table = Table("range", "scenario", "copies", "backend", "state", "updated")
    for r in records:
        style = "red" if r.name in gone else STATE_STYLE.get(r.state, "")
        state = f"{r.state}, process gone" if r.name in gone else r.state
        table.add_row(
            r.name,
            r.scenario_name,
            str(r.copies),
            r.backend,
            f"[{style}]{state}[/{style}]",
            r.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    return table


def _record_json(r: RangeRecord) -> dict[str, Any]:
    return {
        "name": r.name,
        "scenario": r.scenario_name,
        "scenario_path": r.scenario_path,
        "copies": r.copies,
        "backend": r.backend,
        "state": r.state,
        "error": r.error,
        "updated_at": r.updated_at.isoformat(),
    }


def _show_ranges(app: AppContext, as_json: bool) -> None:
    from cyberrange.cli.range_hints import interrupted, interrupted_json, interrupted_text
    from range.lifecycle import ranges as all_ranges

    records = all_ranges(app.engine)
    gone = interrupted(app, records)
    if as_json:
        rows = [
            {**_record_json(r), "interrupted": interrupted_json(app, r, gone.get(r.name))}
            for r in records
        ]
        click.echo(json.dumps(rows, indent=2))
    elif records:
        app.console.print(_ranges_table(records, gone))
        for r in records:
            if r.name in gone:
                text = interrupted_text(app, r, gone[r.name])
                app.console.print(text, style="red", markup=False, highlight=False)
    else:
        app.console.print("no ranges yet: deploy one with `cyberrange up SCENARIO.yaml`")


@click.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_backend_option
@click.pass_obj
def status(app: AppContext, name: str | None, as_json: bool, backend: str | None) -> None:
    """Hosts of range NAME per copy: state, health, addresses (no NAME: every range)."""
    from cyberrange.cli.range_hints import interrupted, interrupted_json, interrupted_text
    from range.lifecycle import status as range_status

    if name is None:
        _show_ranges(app, as_json)
        return
    found = range_status(_settings(app, backend, name), app.engine, name, check_network=True)
    gone = interrupted(app, [found.record])
    if as_json:
        hosts = [
            {
                "host": h.host,
                "copy": h.copy,
                "container": h.container,
                "state": h.state,
                "health": h.health,
                "addresses": h.addresses,
                "node": h.node,
                "drift": list(h.drift),
            }
            for h in found.hosts
        ]
        died = interrupted_json(app, found.record, gone.get(name))
        document = {**_record_json(found.record), "interrupted": died, "hosts": hosts}
        click.echo(json.dumps(document, indent=2))
        return
    record = found.record
    app.console.print(f"range [bold]{record.name}[/bold] ({record.scenario_name}): {record.state}")
    if name in gone:
        text = interrupted_text(app, record, gone[name])
        app.console.print(text, style="red", markup=False, highlight=False)
    if record.error:
        app.console.print(f"[red]last error:[/red] {record.error}")
    for copy in sorted({h.copy for h in found.hosts}):
        title = "shared" if copy == 0 else f"copy {copy}"
        nodes = any(h.node for h in found.hosts)  # a swarm range: show where each host runs
        table = Table("host", "state", "health", "addresses", *(["node"] * nodes), title=title)
        for h in (h for h in found.hosts if h.copy == copy):
            color = "green" if h.state == "running" and not h.drift else "red"
            state = f"{h.state}, drifted" if h.drift else h.state
            addresses = ", ".join(f"{a} ({n})" for n, a in sorted(h.addresses.items()))
            where = [h.node] if nodes else []
            table.add_row(h.host, f"[{color}]{state}[/{color}]", h.health, addresses, *where)
        app.console.print(table)
    _show_drift(app, found.hosts)


def _show_drift(app: AppContext, hosts: list[HostStatus]) -> None:
    drifted = [h for h in hosts if h.drift]
    if not drifted:
        return
    app.console.print(
        f"[red]{len(drifted)} host(s) differ from the plan[/red] "
        "(repair: run the same `cyberrange up` again):"
    )
    for h in drifted:
        for problem in h.drift:
            app.console.print(f"  {h.container}: {problem}", markup=False, highlight=False)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def ranges(app: AppContext, as_json: bool) -> None:
    """Every range the database knows, with its state."""
    _show_ranges(app, as_json)


def _verify_table(results: list[ProbeResult]) -> Table:
    table = Table("source", "destination", "address", "port", "expected", "actual", "ok")
    for r in results:
        mark = "[green]ok[/green]" if r.ok else "[red]MISMATCH[/red]"
        port = f"{r.port}/{r.protocol}"
        table.add_row(r.source, r.destination, r.address, port, r.expected, r.actual, mark)
    return table


def _verify_vpn(app: AppContext, name: str, done: Any) -> list[ProbeResult]:
    """Probes from a VPN client of each running endpoint (engine on this machine only)."""
    from range.access.vpn_verify import verify_vpn
    from range.backends.docker_hostfw import engine_is_local
    from range.state import get_record, plan_from_dict

    plan = plan_from_dict(get_record(app.engine, name).plan)
    if not plan.access or not engine_is_local():
        return []
    return verify_vpn(app.settings, plan, done)


@click.command()
@click.argument("name")
@_backend_option
@click.pass_obj
def verify(app: AppContext, name: str, backend: str | None) -> None:
    """Probe range NAME from inside its containers; exit 1 if reachability differs from plan."""
    from range.lifecycle import verify as range_verify

    with _progress(app) as progress:
        task = progress.add_task("probing", total=None, last="")
        results = range_verify(
            _settings(app, backend, name),
            app.engine,
            name,
            lambda r: progress.update(task, advance=1, last=f"{r.source} -> {r.address}"),
            started=lambda total: progress.update(task, total=total),
        )
        results += _verify_vpn(app, name, lambda r: progress.update(task, last=r.address))
    app.console.print(_verify_table(results))
    bad = sum(1 for r in results if not r.ok)
    app.console.print(f"{len(results) - bad} of {len(results)} probes as planned")
    if bad:
        sys.exit(1)


@click.command()
@click.argument("name")
@click.argument("host")
@click.option("--copy", "copy", type=int, help="Copy number [default: 1, or the shared host].")
@_backend_option
@click.pass_obj
def reset(app: AppContext, name: str, host: str, copy: int | None, backend: str | None) -> None:
    """Recreate HOST of range NAME fresh from its image, and configure it again."""
    from cyberrange.compose import reprovision_after_reset
    from range.lifecycle import reset as range_reset
    from range.scenario.loader import load
    from range.state import get_record
    from scoring.succession import range_exercise

    record = get_record(app.engine, name)
    settings = _settings(app, backend, name)
    exercise = range_exercise(app.engine, name)  # its flags are the ones to plant again
    if exercise is None:  # deployed with --no-provision: nothing to configure
        after = None
    else:
        loaded = load(Path(record.scenario_path), app.settings.root)
        after = reprovision_after_reset(settings, app.engine, loaded, exercise)
    container = range_reset(settings, app.engine, name, host, copy, after=after)
    app.console.print(f"{container.host} (copy {container.copy}) recreated as {container.name}")


@click.command()
@click.argument("name")
@click.argument("host")
@click.option("--copy", "copy", type=int, help="Copy number [default: 1, or the shared host].")
@_backend_option
@click.pass_obj
def shell(app: AppContext, name: str, host: str, copy: int | None, backend: str | None) -> None:
    """Open an interactive shell in HOST of range NAME."""
    from range.lifecycle import shell_argv

    settings = _settings(app, backend, name)
    argv = shell_argv(settings, app.engine, name, host, copy, sys.stdin.isatty())
    os.execvp(argv[0], argv)  # noqa: S606 (an argument list; the shell owns the terminal)


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    for command in (up, down, status, ranges, verify, reset, shell):
        cli.add_command(command)
