"""The site playbook of one provisioning run, generated from the scenario.

One play applies every selected host's roles in parallel (`free` strategy,
each host includes its own role list from `cr_roles`), then a playbook entry
runs as its own play limited to its hosts (`cr_targets`), and last the
provisioner plants the objective flags itself, whatever the roles did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from range.config import Settings
from range.errors import ProvisionError
from range.plan import ContainerPlan, Plan
from range.provision.inventory import flag_vars
from range.provision.model import ScenarioSource
from range.scenario.assets import resolve_asset

FLAGS_VAR = "cr_objective_flags"  # extra var: container -> {flag index: value}
# Ansible's `free` strategy run through Mitogen (see runner.MITOGEN_STRATEGY).
ROLES_STRATEGY = "mitogen_free"


@dataclass(frozen=True)
class Steps:
    """What each container gets: resolved role folders and playbook files."""

    roles: dict[str, list[str]] = field(default_factory=dict)  # container -> role paths
    playbooks: dict[str, list[str]] = field(default_factory=dict)  # playbook -> containers


def resolve_steps(
    source: ScenarioSource, containers: Iterable[ContainerPlan], settings: Settings
) -> Steps:
    """Resolve each container's `provision` entries (scenario folder, then library)."""
    steps = Steps()
    for container in containers:
        host = source.scenario.hosts.get(container.host)
        for entry in host.provision if host else []:
            found = resolve_asset(entry, source.directory, settings.root)
            if found is None:
                raise ProvisionError(
                    container.name,
                    "resolve provision entries",
                    f"{entry!r} not found next to the scenario or in scenarios/_library",
                )
            if found.is_dir():
                steps.roles.setdefault(container.name, []).append(str(found))
            else:
                steps.playbooks.setdefault(str(found), []).append(container.name)
    return steps


def _roles_play(containers: list[str]) -> dict[str, Any]:
    return {
        "name": "Configure hosts",
        "hosts": containers,
        "gather_facts": False,
        "strategy": ROLES_STRATEGY,
        "tasks": [
            {
                "name": "Apply role",
                "ansible.builtin.include_role": {"name": "{{ cr_role }}"},
                "loop": "{{ cr_roles }}",
                "loop_control": {"loop_var": "cr_role", "label": "{{ cr_role | basename }}"},
            }
        ],
    }


def _flag_tasks(flag: dict[str, Any]) -> list[dict[str, Any]]:
    path = PurePosixPath(flag["path"])
    value = f"{{{{ {FLAGS_VAR}[inventory_hostname]['{flag['index']}'] }}}}\n"
    return [
        {
            "name": f"Make the folder of {path}",
            "ansible.builtin.file": {"path": str(path.parent), "state": "directory"},
        },
        {
            "name": f"Plant objective flag {path}",
            "ansible.builtin.copy": {
                "dest": str(path),
                "content": value,
                "owner": flag["owner"],
                "group": flag["group"],
                "mode": flag["mode"],
            },
            "no_log": True,  # the value is the secret the red team is after
        },
    ]


def _flag_plays(
    plan: Plan, source: ScenarioSource, containers: list[ContainerPlan]
) -> list[dict[str, Any]]:
    plays = []
    for host_name, host in source.scenario.hosts.items():
        members = [c.name for c in containers if c.host == host_name]
        if not host.flags or not members:
            continue
        tasks = [task for flag in flag_vars(host) for task in _flag_tasks(flag)]
        plays.append(
            {
                "name": f"Plant objective flags on {host_name}",
                "hosts": members,
                "gather_facts": False,
                "tasks": tasks,
            }
        )
    return plays


def build_playbook(
    plan: Plan, source: ScenarioSource, containers: list[ContainerPlan], steps: Steps
) -> list[dict[str, Any]]:
    """The plays of one run over `containers` (all of the range, or a reset's one)."""
    names = {c.name for c in containers}
    plays: list[dict[str, Any]] = []
    with_roles = [c.name for c in containers if steps.roles.get(c.name)]
    if with_roles:
        plays.append(_roles_play(with_roles))
    for playbook, members in steps.playbooks.items():
        targets = [m for m in members if m in names]
        if targets:
            plays.append({"import_playbook": playbook, "vars": {"cr_targets": targets}})
    plays.extend(_flag_plays(plan, source, containers))
    return plays


def playbook_hosts(plays: list[dict[str, Any]]) -> list[str]:
    """Every container some play of the playbook runs on, in first-seen order."""
    seen: dict[str, None] = {}
    for play in plays:
        members = play.get("hosts") or play.get("vars", {}).get("cr_targets", [])
        seen.update(dict.fromkeys(members))
    return list(seen)


def write_playbook(path: Path, plays: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Generated by cyberrange for one provisioning run.\n"
    path.write_text(text + yaml.safe_dump(plays, sort_keys=False), encoding="utf-8")
    return path
