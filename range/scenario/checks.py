"""Semantic checks: what the models alone cannot see.

Run after the models validate. Each check yields Findings that name the path
of the offending node (YAML keys, e.g. ``("hosts", "gw", "firewall")``); the
loader turns those paths into ``file:line:column``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from range.scenario.assets import image_dockerfile, resolve_asset
from range.scenario.locate import PathItem
from range.scenario.models import Host, Role, Scenario, Scope

# The scoring package registers formulas under these same names.
KNOWN_FORMULAS: tuple[str, ...] = ("faust", "forcad", "points")
_ALL = "all"


@dataclass(frozen=True)
class Finding:
    path: tuple[PathItem, ...]
    message: str
    at_key: bool = False


def run_checks(
    scenario: Scenario, directory: Path, root: Path, formulas: Iterable[str] = KNOWN_FORMULAS
) -> list[Finding]:
    """Every semantic problem of a scenario that already matches the models."""
    from range.scenario.checks_net import network_findings

    found: list[Finding] = []
    for check in (_names, _references, _routers, _timing):
        found.extend(check(scenario))
    found.extend(_assets(scenario, directory, root))
    found.extend(_formula(scenario, tuple(formulas)))
    found.extend(network_findings(scenario))
    return found


def _duplicates(
    items: Iterable[tuple[str, tuple[PathItem, ...]]], what: str, where: str = ""
) -> Iterator[Finding]:
    first: dict[str, tuple[PathItem, ...]] = {}
    for value, path in items:
        if value in first:
            yield Finding(path, f"duplicate {what} {value!r}{where}: names must be unique")
        else:
            first[value] = path


def _names(scenario: Scenario) -> Iterator[Finding]:
    yield from _duplicates(
        ((t.name, ("teams", i, "name")) for i, t in enumerate(scenario.teams)), "team name"
    )
    for host_name, host in scenario.hosts.items():
        yield from _duplicates(
            (
                (s.name, ("hosts", host_name, "services", i, "name"))
                for i, s in enumerate(host.services)
            ),
            "service name",
            f" in host {host_name!r}",
        )
    vulns = (
        (v.id, ("hosts", host_name, "vulnerabilities", i, "id"))
        for host_name, host in scenario.hosts.items()
        for i, v in enumerate(host.vulnerabilities)
    )
    yield from _duplicates(vulns, "vulnerability id", " across the scenario")
    yield from _duplicates(
        ((h.id, ("hints", i, "id")) for i, h in enumerate(scenario.hints)), "hint id"
    )


def _network_path(host_name: str, host: Host, network: str) -> tuple[tuple[PathItem, ...], bool]:
    """Path of one network entry of a host (list item, or mapping key)."""
    if isinstance(host.networks, list):
        return ("hosts", host_name, "networks", host.networks.index(network)), False
    return ("hosts", host_name, "networks", network), True


def _references(scenario: Scenario) -> Iterator[Finding]:
    teams = {t.name: t for t in scenario.teams}
    team_list = ", ".join(teams)
    networks = ", ".join(scenario.networks) or "none declared"
    for host_name, host in scenario.hosts.items():
        if host.team is not None and host.team not in teams:
            yield Finding(
                ("hosts", host_name, "team"),
                f"host {host_name!r} names undeclared team {host.team!r} (declared: {team_list})",
            )
        elif host.team is not None and host.scope is Scope.SHARED and teams[host.team].role.defends:
            yield Finding(
                ("hosts", host_name, "team"),
                f"shared host {host_name!r} cannot belong to defending team {host.team!r}: "
                "defenders get one copy each, so use scope: copy",
            )
        for network in host.addresses():
            if network not in scenario.networks:
                path, at_key = _network_path(host_name, host, network)
                yield Finding(
                    path,
                    f"host {host_name!r} is on undeclared network {network!r} "
                    f"(declared: {networks})",
                    at_key,
                )
    yield from _audience(scenario, "injects", [i.to for i in scenario.injects])
    yield from _audience(scenario, "hints", [h.to for h in scenario.hints])
    for index, inject in enumerate(scenario.injects):
        if inject.run is not None and inject.run.host not in scenario.hosts:
            yield Finding(
                ("injects", index, "run", "host"),
                f"run step on undeclared host {inject.run.host!r} "
                f"(declared: {', '.join(scenario.hosts)})",
            )


def _audience(scenario: Scenario, key: str, targets: list[str]) -> Iterator[Finding]:
    """``to`` of an inject or hint: a team name, a role, or 'all'."""
    allowed = [_ALL, *(t.name for t in scenario.teams), *(r.value for r in Role)]
    for index, target in enumerate(targets):
        if target not in allowed:
            yield Finding(
                (key, index, "to"),
                f"unknown recipient {target!r} (expected 'all', a team name or a role: "
                f"{', '.join(dict.fromkeys(allowed))})",
            )


def _routers(scenario: Scenario) -> Iterator[Finding]:
    for host_name, host in scenario.hosts.items():
        attached = host.addresses()
        if host.router and len(attached) < 2:
            yield Finding(
                ("hosts", host_name, "networks"),
                f"router {host_name!r} needs at least two networks, has {len(attached)}",
            )
        if host.firewall is None:
            continue
        if not host.router:
            yield Finding(
                ("hosts", host_name, "firewall"),
                f"host {host_name!r} has a firewall but is not a router (add router: true)",
                at_key=True,
            )
            continue
        for index, rule in enumerate(host.firewall.allow):
            for key, network in (("from", rule.source), ("to", rule.to)):
                path = ("hosts", host_name, "firewall", "allow", index, key)
                if network not in scenario.networks:
                    yield Finding(path, f"firewall rule names undeclared network {network!r}")
                elif network not in attached:
                    yield Finding(
                        path,
                        f"firewall rule names network {network!r}, but router {host_name!r} "
                        f"is only on: {', '.join(attached)}",
                    )


def _timing(scenario: Scenario) -> Iterator[Finding]:
    if scenario.tick < 1:
        yield Finding(("tick",), "tick must be at least 1s")
    elif scenario.tick > scenario.duration:
        yield Finding(
            ("tick",),
            f"tick ({scenario.tick}s) is longer than the exercise duration ({scenario.duration}s)",
        )
    for index, inject in enumerate(scenario.injects):
        if inject.at > scenario.duration:
            yield Finding(
                ("injects", index, "at"),
                f"inject at {inject.at}s comes after the end of the exercise "
                f"(duration {scenario.duration}s)",
            )
    freeze = scenario.scoring.freeze
    if freeze is not None and freeze > scenario.duration:
        yield Finding(
            ("scoring", "freeze"),
            f"freeze ({freeze}s) is longer than the exercise duration ({scenario.duration}s)",
        )


def _assets(scenario: Scenario, directory: Path, root: Path) -> Iterator[Finding]:
    def missing(relative: str, path: tuple[PathItem, ...], what: str) -> Iterator[Finding]:
        if resolve_asset(relative, directory, root) is None:
            yield Finding(
                path,
                f"{what} {relative!r} not found (looked in {directory} and "
                f"{root / 'scenarios' / '_library'})",
            )

    external = set(scenario.external_images)
    for host_name, host in scenario.hosts.items():
        if host.image not in external and image_dockerfile(host.image, root) is None:
            yield Finding(
                ("hosts", host_name, "image"),
                f"image {host.image!r} has no Dockerfile in {root / 'docker'} "
                "(cyberrange/NAME is built from docker/NAME/Dockerfile; list other images "
                "under external_images)",
            )
        for i, service in enumerate(host.services):
            if service.checker is not None:
                path = ("hosts", host_name, "services", i, "checker")
                yield from missing(service.checker, path, "checker")
        for i, entry in enumerate(host.provision):
            yield from missing(entry, ("hosts", host_name, "provision", i), "role or playbook")
    for index, inject in enumerate(scenario.injects):
        if inject.run is not None and inject.run.playbook is not None:
            where: tuple[PathItem, ...] = ("injects", index, "run", "playbook")
            yield from missing(inject.run.playbook, where, "playbook")


def _formula(scenario: Scenario, formulas: tuple[str, ...]) -> Iterator[Finding]:
    if scenario.scoring.formula not in formulas:
        yield Finding(
            ("scoring", "formula"),
            f"unknown scoring formula {scenario.scoring.formula!r} "
            f"(expected one of: {', '.join(formulas)})",
        )
