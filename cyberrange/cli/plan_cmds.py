"""`cyberrange plan` and `cyberrange graph`: what a scenario turns into, before applying it."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from cyberrange.context import AppContext
from range.plan import ContainerPlan, Plan
from range.planner import make_plan
from range.reach import Reach, reachability
from range.reach_vpn import vpn_reachability
from range.scenario.loader import load

ALLOWED = "[green]allowed[/green]"
DENIED = "[red]denied[/red]"
NO_ROUTE = "[dim]no route[/dim]"

_copies_option = click.option(
    "--copies", type=click.IntRange(min=1), help="Copies of the target network (one defender)."
)
_name_option = click.option("--name", help="Range name [default: the scenario's name].")


def _plan(app: AppContext, file: Path, name: str | None, copies: int | None) -> Plan:
    loaded = load(file, app.settings.root)
    return make_plan(loaded.scenario, range_name=name, copies=copies)


@click.command("plan")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_name_option
@_copies_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the plan (or with --reach, the reachability) as JSON.",
)
@click.option("--reach", is_flag=True, help="Print who reaches which service.")
@click.pass_obj
def plan_command(
    app: AppContext,
    file: Path,
    name: str | None,
    copies: int | None,
    as_json: bool,
    reach: bool,
) -> None:
    """Show the plan of scenario FILE: networks, containers, routes, firewall."""
    plan = _plan(app, file, name, copies)
    if as_json:
        data = reach_json(plan, reachability(plan)) if reach else plan.to_dict()
        if reach:
            data["vpn"] = vpn_json(plan, vpn_reachability(plan))
        click.echo(json.dumps(data, indent=2))
        return
    if reach:
        app.console.print(reach_table(plan, reachability(plan)))
        if plan.access:
            app.console.print(vpn_table(plan, vpn_reachability(plan)))
        return
    app.console.print(networks_table(plan))
    app.console.print(containers_table(plan))
    if any(c.routes for c in plan.containers):
        app.console.print(routes_table(plan))
    else:
        app.console.print("no routes: every host shares its networks with all others")
    if any(c.router for c in plan.containers):
        app.console.print(firewall_table(plan))


@click.command("graph")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_name_option
@_copies_option
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Picture to write: .svg or .png.",
)
@click.pass_obj
def graph_command(
    app: AppContext, file: Path, name: str | None, copies: int | None, output: Path
) -> None:
    """Draw the topology of scenario FILE (networks, routers, hosts, per copy)."""
    from range.draw import draw  # matplotlib: a second of imports `plan` does not need

    plan = _plan(app, file, name, copies)
    draw(plan, output)
    app.console.print(f"wrote {output}", highlight=False)


def networks_table(plan: Plan) -> Table:
    copies = "1 copy" if plan.copies == 1 else f"{plan.copies} copies"
    table = Table(title=f"Networks of range {plan.range} ({copies})")
    for column in ("network", "copy", "subnet", "gateway", "engine name"):
        table.add_column(column, overflow="fold")
    for network in plan.networks:
        table.add_row(
            network.network, _copy(network.copy), network.subnet, network.gateway, network.name
        )
    return table


def containers_table(plan: Plan) -> Table:
    table = Table(title="Containers (limits: memory/cpus/pids)")
    for column in ("container", "role", "image", "addresses", "limits"):
        table.add_column(column, overflow="fold")
    for container in plan.containers:
        addresses = "\n".join(
            f"{plan.network(i.network).network} {i.address}" for i in container.interfaces
        )
        limits = f"{container.memory}/{container.cpus}/{container.pids}"
        table.add_row(container.name, container.role, container.image, addresses, limits)
    return table


def routes_table(plan: Plan) -> Table:
    table = Table(title="Routes (no default routes: ranges have no upstream)")
    for column in ("host@copy", "destination", "via"):
        table.add_column(column, overflow="fold")
    for container in plan.containers:
        for route in container.routes:
            table.add_row(_short(container), route.destination, route.via)
    return table


def firewall_table(plan: Plan) -> Table:
    table = Table(title="Router firewalls (first match wins; replies always pass)")
    for column in ("router", "#", "action", "source", "destination", "proto", "ports", "hooks"):
        table.add_column(column, overflow="fold")
    for router in (c for c in plan.containers if c.router):
        for index, rule in enumerate(router.firewall, start=1):
            table.add_row(
                _short(router),
                str(index),
                rule.action,
                rule.source or "any",
                rule.destination or "any",
                rule.protocol or "any",
                ",".join(str(p) for p in rule.ports) or "any",
                "+".join(rule.hooks),
            )
        table.add_row(_short(router), "", f"{router.firewall_default} (default)", *[""] * 5)
    return table


def _short(container: ContainerPlan) -> str:
    """``web@1`` for copy 1's web; shared hosts keep their plain name."""
    return container.host if container.copy == 0 else f"{container.host}@{container.copy}"


def reach_table(plan: Plan, reaches: list[Reach]) -> Table:
    """Rows: sources; columns: every service (host:port); cells: allowed / denied."""
    services = [
        (container.name, service.port, service.protocol)
        for container in plan.containers
        for service in container.services
    ]
    found: dict[tuple[str, str, int | None], bool] = {}
    for reach in reaches:
        key = (reach.source, reach.destination, reach.port)
        found[key] = found.get(key, False) or reach.allowed
    short = {c.name: _short(c) for c in plan.containers}
    table = Table(title="Reachability of services (rows: sources; host@copy)")
    table.add_column("source", overflow="fold")
    for name, port, protocol in services:
        table.add_column(f"{short[name]}:{port}/{protocol}", overflow="fold")
    for source in plan.containers:
        cells = [_cell(found, source.name, name, port) for name, port, _ in services]
        table.add_row(short[source.name], *cells)
    return table


def reach_json(plan: Plan, reaches: list[Reach]) -> dict[str, Any]:
    """The reachability as a JSON document (its shape is documented in docs/planning.md).

    Each end's scenario host and copy sit beside its container name, so a
    reader filters by host or copy without parsing engine names; every other
    field of Reach follows, so the document never hides what the model knows.
    """
    where = {c.name: (c.host, c.copy) for c in plan.containers}
    rows = []
    for reach in reaches:
        (source_host, source_copy), (dest_host, dest_copy) = (
            where[reach.source],
            where[reach.destination],
        )
        row: dict[str, Any] = {
            "source": reach.source,
            "source_host": source_host,
            "source_copy": source_copy,
            "destination": reach.destination,
            "destination_host": dest_host,
            "destination_copy": dest_copy,
        }
        row.update(asdict(reach))
        row["path"] = list(reach.path)
        rows.append(row)
    return {"range": plan.range, "scenario": plan.scenario, "copies": plan.copies, "reaches": rows}


def vpn_table(plan: Plan, reaches: list[Reach]) -> Table:
    """Rows: team instances; columns: networks; cells: how many hosts their VPN clients reach."""
    network_of = {i.address: i.network for c in plan.containers for i in c.interfaces}
    counts: dict[tuple[str, str], list[int]] = {}
    for reach in reaches:
        seen = counts.setdefault((reach.source, network_of[reach.address]), [0, 0])
        seen[0] += reach.allowed
        seen[1] += 1
    table = Table(title="VPN clients reach (rows: team; hosts reached of those on the network)")
    table.add_column("vpn of", overflow="fold")
    for network in plan.networks:
        label = network.network if network.copy == 0 else f"{network.network}@{network.copy}"
        table.add_column(label, overflow="fold")
    for grant in plan.access:
        cells = []
        for network in plan.networks:
            got, total = counts.get((f"vpn:{grant.team}", network.name), [0, 0])
            cells.append(f"[green]{got}/{total}[/green]" if got else DENIED)
        table.add_row(f"{grant.team} ({grant.client_subnet})", *cells)
    return table


def vpn_json(plan: Plan, reaches: list[Reach]) -> list[dict[str, Any]]:
    """VPN rows: the source is a team instance's clients (``vpn:blue-1``), not a container."""
    where = {c.name: (c.host, c.copy) for c in plan.containers}
    rows = []
    for reach in reaches:
        host, copy = where[reach.destination]
        row: dict[str, Any] = {"team": reach.source.removeprefix("vpn:")}
        row.update(asdict(reach))
        row.update(destination_host=host, destination_copy=copy, path=list(reach.path))
        rows.append(row)
    return rows


def _cell(found: dict[tuple[str, str, int | None], bool], source: str, dest: str, port: int) -> str:
    if source == dest:
        return "-"
    for key in ((source, dest, port), (source, dest, None)):
        if key in found:
            return ALLOWED if found[key] else DENIED
    return NO_ROUTE


def _copy(copy: int) -> str:
    return "shared" if copy == 0 else str(copy)


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    cli.add_command(plan_command)
    cli.add_command(graph_command)
