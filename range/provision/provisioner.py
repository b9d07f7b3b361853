"""Provisioning a deployed range: inventory, site playbook, one Ansible run.

The composition root (the CLI's `up` and `reset`) computes the objective flag
values with the codec in `scoring` and passes them in; this package never
imports `scoring`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from range.config import Settings
from range.errors import ProvisionError
from range.plan import ContainerPlan, Plan
from range.provision.inventory import build_inventory, inventory_path, write_inventory
from range.provision.model import (
    FlagValues,
    HostSelection,
    ProvisionProgress,
    ProvisionReport,
    ScenarioSource,
)
from range.provision.playbook import (
    FLAGS_VAR,
    build_playbook,
    playbook_hosts,
    resolve_steps,
    write_playbook,
)
from range.provision.runner import RunFiles, run_playbook

MAX_FORKS = 50


def private_dir(settings: Settings, range_name: str) -> Path:
    """Where one range's runs keep their playbook, config, secrets and artifacts."""
    return settings.data_dir / "provision" / range_name


def log_path(settings: Settings, range_name: str) -> Path:
    return settings.logs_dir / f"{range_name}.log"


def select(plan: Plan, hosts: HostSelection | None) -> list[ContainerPlan]:
    """The containers of a run: all, or the (host, copy) pairs asked for."""
    if hosts is None:
        return list(plan.containers)
    chosen = [c for c in plan.containers if (c.host, c.copy) in hosts]
    missing = hosts - {(c.host, c.copy) for c in chosen}
    if missing:
        host, copy = sorted(missing)[0]
        raise ProvisionError(host, "select hosts", f"no host {host!r} in copy {copy} of the plan")
    return chosen


def flag_extravars(
    source: ScenarioSource, containers: list[ContainerPlan], values: FlagValues
) -> dict[str, dict[str, str]]:
    """container -> {flag index: value}; every planted flag must have a value."""
    planted: dict[str, dict[str, str]] = {}
    for container in containers:
        host = source.scenario.hosts.get(container.host)
        for index in range(len(host.flags) if host else 0):
            key = (container.host, container.copy, index)
            if key not in values:
                raise ProvisionError(
                    container.name, "plant objective flags", f"no flag value given for {key}"
                )
            planted.setdefault(container.name, {})[str(index)] = values[key]
    return planted


def prepare(
    plan: Plan,
    source: ScenarioSource,
    settings: Settings,
    flag_values: FlagValues,
    hosts: HostSelection | None = None,
    engine_args: Mapping[str, Sequence[str]] | None = None,
) -> tuple[RunFiles, list[str]]:
    """Write inventory, playbook, config and secrets; returns them and the run's hosts."""
    settings.ensure_data_dir()
    containers = select(plan, hosts)
    every = resolve_steps(source, plan.containers, settings)
    data = build_inventory(plan, source, every.roles, engine_args)
    inventory = write_inventory(inventory_path(settings, plan.range), data)
    plays = build_playbook(plan, source, containers, every)
    members = playbook_hosts(plays)
    extravars: dict[str, Any] = {FLAGS_VAR: flag_extravars(source, containers, flag_values)}
    forks = max(1, min(MAX_FORKS, len(members)))
    files = RunFiles.prepare(private_dir(settings, plan.range), inventory, extravars, forks)
    write_playbook(files.playbook, plays)
    return files, members


def provision(
    plan: Plan,
    source: ScenarioSource,
    settings: Settings,
    flag_values: FlagValues,
    hosts: HostSelection | None = None,
    progress: ProvisionProgress | None = None,
    engine_args: Mapping[str, Sequence[str]] | None = None,
) -> ProvisionReport:
    """Configure the range's hosts (all, or `hosts`) and plant their objective flags.

    Raises ProvisionError(host, task, message) on the first failed task; the
    range is left as it is, so running the same call again continues the job.
    `engine_args` is the backend's `engine_args(range)`: where each host runs.
    """
    files, members = prepare(plan, source, settings, flag_values, hosts, engine_args)
    log = log_path(settings, plan.range)
    if not members:
        return ProvisionReport(plan.range, (), inventory=files.inventory, log=log)
    result = run_playbook(files, log, max(1, min(MAX_FORKS, len(members))), progress)
    return ProvisionReport(
        range=plan.range,
        hosts=tuple(members),
        changed=result.changed,
        ok=result.ok,
        elapsed=result.elapsed,
        inventory=files.inventory,
        log=log,
    )
