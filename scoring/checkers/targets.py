"""What to check: every service of every copy, where its checker container reaches it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from range.errors import NotFoundError
from range.plan import CHECKER_HOST, Plan
from range.scenario.assets import resolve_asset
from range.scenario.models import Scenario, Scope, Service


def checker_container(plan: Plan, copy: int) -> str:
    """The checker container the planner adds to each copy."""
    try:
        return plan.container(CHECKER_HOST, copy).name
    except KeyError:  # a plan without one: the planner's naming
        return f"{plan.range}-c{copy}-{CHECKER_HOST}"


def service_slots(scenario: Scenario) -> list[tuple[str, Service]]:
    """(host, service) of every per-copy service; the index is the flag's ``slot``."""
    return [
        (host_name, service)
        for host_name, host in scenario.hosts.items()
        if host.scope is Scope.COPY
        for service in host.services
    ]


@dataclass(frozen=True)
class ServiceTarget:
    copy: int
    team: str  # the defending team instance of the copy (blue-1...)
    host: str
    service: Service
    slot: int
    address: str  # the host's address on a network the checker container shares
    container: str  # the copy's checker container


def _address(plan: Plan, host: str, copy: int) -> str:
    copy_networks = {n.name for n in plan.networks if n.copy == copy}
    container = plan.container(host, copy)
    for interface in container.interfaces:
        if interface.network in copy_networks:
            return interface.address
    raise NotFoundError(f"host {host!r} of copy {copy} is on none of the copy's networks")


def service_targets(plan: Plan, scenario: Scenario) -> list[ServiceTarget]:
    owners = scenario.copy_owners()
    targets = []
    for copy in range(1, plan.copies + 1):
        for slot, (host, service) in enumerate(service_slots(scenario)):
            targets.append(
                ServiceTarget(
                    copy=copy,
                    team=owners.get(copy, f"copy-{copy}"),
                    host=host,
                    service=service,
                    slot=slot,
                    address=_address(plan, host, copy),
                    container=checker_container(plan, copy),
                )
            )
    return targets


def load_scripts(scenario: Scenario, scenario_dir: Path, root: Path) -> Mapping[str, str]:
    """Checker path as written in the scenario → the script's text."""
    scripts: dict[str, str] = {}
    for host_name, service in service_slots(scenario):
        if service.checker is None or service.checker in scripts:
            continue
        path = resolve_asset(service.checker, scenario_dir, root)
        if path is None or not path.is_file():
            raise NotFoundError(
                f"checker {service.checker!r} of service {host_name}/{service.name} not found "
                f"next to the scenario ({scenario_dir}) or in the scenario library"
            )
        scripts[service.checker] = path.read_text(encoding="utf-8")
    return scripts
