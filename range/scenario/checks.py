"""Semantic checks: what the models alone cannot see.

Each check yields Findings that name the path of the offending node (YAML
keys, e.g. ``("hosts", "gw", "firewall")``); the loader turns those paths into
``file:line:column``. A check reads a few top-level keys of the scenario
(``MODEL_CHECKS`` says which), so when some keys did not validate the loader
still runs every check whose keys did. File and formula checks read the plain
data instead (``checks_raw``) and run whatever the models said.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

from range.scenario.checks_access import access_findings
from range.scenario.checks_coordination import coordination_findings
from range.scenario.checks_firewall import firewall_findings
from range.scenario.checks_net import network_findings
from range.scenario.checks_raw import raw_findings
from range.scenario.checks_sharing import sharing_findings
from range.scenario.finding import Finding
from range.scenario.locate import PathItem
from range.scenario.models import Host, Role, Scenario, Scope
from range.taxonomy import TaxonomyError, cvss, technique

__all__ = ["KNOWN_FORMULAS", "Finding", "model_findings", "run_checks"]

# The scoring package registers formulas under these same names.
KNOWN_FORMULAS: tuple[str, ...] = ("faust", "forcad", "points")
_ALL = "all"

Check = Callable[[Scenario], Iterable[Finding]]


def run_checks(
    scenario: Scenario, directory: Path, root: Path, formulas: Iterable[str] = KNOWN_FORMULAS
) -> list[Finding]:
    """Every semantic problem of a scenario that already matches the models."""
    data = scenario.model_dump(mode="json", by_alias=True)
    return [*raw_findings(data, directory, root, formulas), *model_findings(scenario)]


def model_findings(scenario: Scenario, valid: Collection[str] | None = None) -> list[Finding]:
    """The model checks whose keys are all in ``valid`` (None: every check).

    ``scenario`` may be partial (``partial.partial_scenario``): a check only
    reads keys that are valid, so it never sees a part that failed.
    """
    found: list[Finding] = []
    for check, reads in MODEL_CHECKS:
        if valid is None or reads <= set(valid):
            found.extend(check(scenario))
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
        if host.firewall is not None and not host.router:
            yield Finding(
                ("hosts", host_name, "firewall"),
                f"host {host_name!r} has a firewall but is not a router (add router: true)",
                at_key=True,
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


def _taxonomy(scenario: Scenario) -> Iterator[Finding]:
    """ATT&CK ids must name live techniques of the pinned release; CVSS vectors must score."""
    named: list[tuple[str, tuple[PathItem, ...]]] = [
        (v.attack, ("hosts", host_name, "vulnerabilities", i, "attack"))
        for host_name, host in scenario.hosts.items()
        for i, v in enumerate(host.vulnerabilities) if v.attack
    ]
    named += [(inject.run.attack, ("injects", i, "run", "attack"))
              for i, inject in enumerate(scenario.injects) if inject.run and inject.run.attack]
    for value, path in named:
        try:
            technique(value)
        except TaxonomyError as exc:
            yield Finding(path, str(exc))
    for host_name, host in scenario.hosts.items():
        for i, vuln in enumerate(host.vulnerabilities):
            try:
                cvss(vuln.cvss) if vuln.cvss else None
            except TaxonomyError as exc:
                yield Finding(("hosts", host_name, "vulnerabilities", i, "cvss"), str(exc))


def _objectives(scenario: Scenario) -> Iterator[Finding]:
    """Objectives name hosts, services, techniques and injects the scenario has."""
    services = {s.name for h in scenario.hosts.values() for s in h.services}
    roles = {t.role.value for t in scenario.teams} | {t.name for t in scenario.teams}
    for i, objective in enumerate(scenario.objectives):
        base: tuple[PathItem, ...] = ("objectives", i)
        if objective.team not in roles:
            yield Finding((*base, "team"), f"objective {objective.id!r} is for {objective.team!r}"
                          f", which is no team or role of the scenario")
        for j, host in enumerate(objective.hosts):
            if host not in scenario.hosts:
                yield Finding((*base, "hosts", j), f"objective names undeclared host {host!r}")
        for j, service in enumerate(objective.services):
            if service not in services:
                yield Finding((*base, "services", j),
                              f"objective names unknown service {service!r}")
        for j, tid in enumerate(objective.techniques):
            try:
                technique(tid)
            except TaxonomyError as exc:
                yield Finding((*base, "techniques", j), str(exc))
        for j, index in enumerate(objective.injects):
            if not 0 <= index < len(scenario.injects):
                yield Finding((*base, "injects", j), f"objective names inject {index}, but the "
                              f"scenario has {len(scenario.injects)} (counted from 0)")
    yield from _duplicates(((o.id, ("objectives", i, "id"))
                            for i, o in enumerate(scenario.objectives)), "objective id")


# Each check and the top-level keys (as trainers write them) it reads.
MODEL_CHECKS: tuple[tuple[Check, frozenset[str]], ...] = (
    (_names, frozenset({"teams", "hosts", "hints"})),
    (_references, frozenset({"teams", "networks", "hosts", "injects", "hints"})),
    (_routers, frozenset({"hosts"})),
    (_taxonomy, frozenset({"hosts", "injects"})),
    (_objectives, frozenset({"objectives", "teams", "hosts", "injects"})),
    (firewall_findings, frozenset({"teams", "networks", "hosts"})),
    (_timing, frozenset({"tick", "duration", "injects", "scoring"})),
    (network_findings, frozenset({"teams", "networks", "hosts"})),
    (access_findings, frozenset({"access", "teams", "networks", "hosts"})),
    (coordination_findings, frozenset({"coordination", "teams", "duration"})),
    (sharing_findings, frozenset({"sharing", "teams"})),
)
