"""The Ansible inventory of a range: inventories/<range>.yml.

Written on every `up` from the Plan and the scenario. Hosts are the range's
containers, reached with the `docker` connection (docker exec, no SSH).
Groups: per copy (copy_0 holds shared hosts), per team, per role (routers,
targets, attackers, checkers) and per scenario host (host_<name>).
No secret goes into this file: flag values travel separately (see runner).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from range.config import Settings
from range.errors import ProvisionError
from range.plan import SHARED_COPY, ContainerPlan, Plan
from range.provision.model import FlagSpot, ScenarioSource
from range.scenario.models import Host, Scenario

# The short name: plain Ansible routes it to community.docker.docker, and
# Mitogen (runner.MITOGEN_STRATEGY) replaces exactly this name by its own
# docker connection, which keeps one interpreter per container for the run.
CONNECTION = "docker"
# Hosts on another engine keep the plain plugin: Mitogen's cannot pass engine options.
PLAIN_CONNECTION = "community.docker.docker"
PYTHON = "/usr/bin/python3"
HOST_VARS_DIR = "host_vars"  # scenario-side parameters: <scenario>/host_vars/<host>.yml

ROUTERS, TARGETS, ATTACKERS, CHECKERS = "routers", "targets", "attackers", "checkers"


def group_name(prefix: str, name: str) -> str:
    """A valid Ansible group name (letters, digits, underscores)."""
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"


def inventory_path(settings: Settings, range_name: str) -> Path:
    return settings.inventories_dir / f"{range_name}.yml"


def host_kind(container: ContainerPlan, scenario: Scenario) -> str:
    """routers | checkers | attackers | targets."""
    if container.router:
        return ROUTERS
    if container.image.split(":", 1)[0] == "cyberrange/checker":
        return CHECKERS
    host = scenario.hosts.get(container.host)
    if host is None:  # containers the planner adds itself (the per-copy checker)
        return CHECKERS
    if host.image.split(":", 1)[0] == "cyberrange/attacker":
        return ATTACKERS
    team = next((t for t in scenario.teams if t.name == host.team), None)
    if team is not None and team.role.attacks and not team.role.defends:
        return ATTACKERS
    return TARGETS


def copy_teams(scenario: Scenario) -> dict[int, tuple[str, str]]:
    """Copy number -> (defending team name, team instance name such as blue-1)."""
    owners = scenario.copy_owners()
    teams: dict[int, tuple[str, str]] = {}
    number = 1
    for team in scenario.defending_teams():
        for _ in range(team.copies):
            teams[number] = (team.name, owners[number])
            number += 1
    return teams


def flag_spots(plan: Plan, scenario: Scenario) -> list[FlagSpot]:
    """Every objective flag of the plan; `slot` numbers them scenario-wide."""
    slots: dict[tuple[str, int], int] = {}
    for host_name, host in scenario.hosts.items():
        for index in range(len(host.flags)):
            slots[(host_name, index)] = len(slots)
    spots = []
    for container in plan.containers:
        found = scenario.hosts.get(container.host)
        for index, flag in enumerate(found.flags if found else []):
            slot = slots[(container.host, index)]
            spots.append(FlagSpot(container.host, container.copy, index, slot, flag.path))
    return spots


def _network_names(plan: Plan) -> dict[str, str]:
    return {n.name: n.network for n in plan.networks}


def _addresses(container: ContainerPlan, networks: dict[str, str]) -> dict[str, str]:
    return {networks.get(i.network, i.network): i.address for i in container.interfaces}


def _visible(plan: Plan, copy: int) -> list[ContainerPlan]:
    """The containers a host of `copy` lives with: its copy's and the shared ones."""
    return [c for c in plan.containers if c.copy in (copy, SHARED_COPY)]


def _peers(plan: Plan, container: ContainerPlan, networks: dict[str, str]) -> dict[str, Any]:
    peers: dict[str, Any] = {}
    for other in _visible(plan, container.copy):
        addresses = _addresses(other, networks)
        if other.host not in peers or other.copy == container.copy:
            peers[other.host] = next(iter(addresses.values()), "")
    return peers


def _subnets(plan: Plan, copy: int) -> dict[str, str]:
    return {n.network: n.subnet for n in plan.networks if n.copy in (copy, SHARED_COPY)}


def scenario_host_vars(directory: Path, host: str) -> dict[str, Any]:
    """Parameters a scenario gives its host's roles: <scenario>/host_vars/<host>.yml."""
    path = directory / HOST_VARS_DIR / f"{host}.yml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProvisionError(host, "read host vars", f"{path}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProvisionError(host, "read host vars", f"{path}: expected a mapping")
    return data


def flag_vars(host: Host | None) -> list[dict[str, Any]]:
    if host is None:
        return []
    return [
        {
            "index": index,
            "path": flag.path,
            "owner": flag.owner,
            "group": flag.group or flag.owner,
            "mode": flag.mode if flag.mode.startswith("0") else f"0{flag.mode}",
            "points": flag.points,
        }
        for index, flag in enumerate(host.flags)
    ]


def host_vars(
    plan: Plan, source: ScenarioSource, container: ContainerPlan, roles: Iterable[str]
) -> dict[str, Any]:
    """Every variable one container's tasks can use (cr_* plus scenario host vars)."""
    scenario = source.scenario
    networks = _network_names(plan)
    host = scenario.hosts.get(container.host)
    addresses = _addresses(container, networks)
    team, instance = copy_teams(scenario).get(container.copy, (None, None))
    if container.copy == SHARED_COPY or host is None or host.scope == "shared":
        team = instance = host.team if host else None
    values: dict[str, Any] = {
        "ansible_host": container.name,
        "cr_host": container.host,
        "cr_copy": container.copy,
        "cr_kind": host_kind(container, scenario),
        "cr_team": instance,
        "cr_team_name": team,
        "cr_networks": addresses,
        "cr_address": next(iter(addresses.values()), ""),
        "cr_subnets": _subnets(plan, container.copy),
        "cr_peers": _peers(plan, container, networks),
        "cr_services": [
            {"name": s.name, "port": s.port.number, "protocol": s.port.protocol}
            for s in (host.services if host else [])
        ],
        "cr_vulnerabilities": [
            v.model_dump(mode="json", exclude_defaults=True)
            for v in (host.vulnerabilities if host else [])
        ],
        "cr_vulnerability_ids": [v.id for v in (host.vulnerabilities if host else [])],
        "cr_flags": flag_vars(host),
        "cr_roles": list(roles),
    }
    if host is not None:
        values.update(scenario_host_vars(source.directory, container.host))
    return values


def _groups(plan: Plan, scenario: Scenario) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {ROUTERS: [], TARGETS: [], ATTACKERS: [], CHECKERS: []}
    teams = copy_teams(scenario)
    for container in plan.containers:
        names = [f"copy_{container.copy}", host_kind(container, scenario)]
        names.append(group_name("host", container.host))
        host = scenario.hosts.get(container.host)
        if container.copy != SHARED_COPY and container.copy in teams:
            team, instance = teams[container.copy]
            names += [group_name("team", team), group_name("team", instance)]
        elif host is not None and host.team:
            names.append(group_name("team", host.team))
        for name in names:
            groups.setdefault(name, [])
            if container.name not in groups[name]:
                groups[name].append(container.name)
    return groups


def connection_vars(container: str, engine_args: Sequence[str]) -> dict[str, str]:
    """How Ansible's docker connection reaches a container on another engine.

    The plugin splits `ansible_docker_extra_args` on spaces, so an option
    holding one would be cut in two: refuse it rather than run on the wrong engine.
    """
    if not engine_args:
        return {}
    if any(not part or " " in part for part in engine_args):
        raise ProvisionError(
            container, "write inventory", f"engine option with a space: {list(engine_args)}"
        )
    return {
        "ansible_connection": PLAIN_CONNECTION,
        "ansible_docker_extra_args": " ".join(engine_args),
    }


def build_inventory(
    plan: Plan,
    source: ScenarioSource,
    roles: dict[str, list[str]],
    engine_args: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The inventory as data; `roles` maps container name -> resolved role paths.

    `engine_args` (container -> docker options) points hosts on other engines
    (swarm nodes) at their engine; the rest use the default one.
    """
    engines = engine_args or {}
    hosts = {
        c.name: host_vars(plan, source, c, roles.get(c.name, []))
        | connection_vars(c.name, engines.get(c.name, ()))
        for c in plan.containers
    }
    children = {
        name: {"hosts": dict.fromkeys(members)}
        for name, members in sorted(_groups(plan, source.scenario).items())
    }
    return {
        "all": {
            "vars": {
                "ansible_connection": CONNECTION,
                "ansible_python_interpreter": PYTHON,
                "cr_range": plan.range,
                "cr_scenario": plan.scenario,
                "cr_copies": plan.copies,
                "cr_scenario_dir": str(source.directory),
            },
            "hosts": hosts,
            "children": children,
        }
    }


def write_inventory(path: Path, inventory: dict[str, Any]) -> Path:
    """Write atomically, so a reader never sees half an inventory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Written by cyberrange on every `up`; edits are overwritten.\n"
    text += yaml.safe_dump(inventory, sort_keys=False, default_flow_style=False)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return path
