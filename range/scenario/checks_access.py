"""Semantic checks of ``access:``: who the key names, and what each grant may name.

A key is a team name or a team role (a team's own entry wins over its role's).
A defending team (blue, purple) gets its own copy: its grants name per-copy
networks and hosts, never shared ones (every copy meets there, so a VPN into
a shared network would let one copy's people reach another copy's routers).
Every other team (red, white) has no copy: its grants name shared networks
and hosts only (a per-copy one would not say which copy's).
"""

from __future__ import annotations

from collections.abc import Iterator

from range.scenario.finding import Finding
from range.scenario.models import Role, Scenario, Scope, Team


def access_findings(scenario: Scenario) -> Iterator[Finding]:
    roles = {r.value for r in Role}
    names = [t.name for t in scenario.teams]
    for key, grant in scenario.access.items():
        teams = _teams_of(scenario, key)
        if key not in names and key not in roles:
            yield Finding(
                ("access", key),
                f"access for {key!r}, which is no team and no role (teams: "
                f"{', '.join(names)}; roles: {', '.join(sorted(roles))})",
                at_key=True,
            )
            continue
        if not teams:
            yield Finding(
                ("access", key),
                f"access for role {key!r}, but no team has it (every team has its own "
                "entry or another role)",
                at_key=True,
            )
            continue
        yield from _grants(scenario, key, "vpn", grant.vpn, teams)
        yield from _grants(scenario, key, "shell", grant.shell, teams)


def _teams_of(scenario: Scenario, key: str) -> list[Team]:
    """The teams whose grant this entry is (a team's own entry wins over its role's)."""
    return [
        t
        for t in scenario.teams
        if t.name == key or (t.role.value == key and t.name not in scenario.access)
    ]


def _grants(
    scenario: Scenario, key: str, kind: str, names: list[str], teams: list[Team]
) -> Iterator[Finding]:
    declared = scenario.networks if kind == "vpn" else scenario.hosts
    what = "network" if kind == "vpn" else "host"
    seen: set[str] = set()
    for index, name in enumerate(names):
        path = ("access", key, kind, index)
        if name in seen:
            yield Finding(path, f"{what} {name!r} is granted twice")
            continue
        seen.add(name)
        item = declared.get(name)
        if item is None:
            yield Finding(
                path,
                f"access grants undeclared {what} {name!r} (declared: "
                f"{', '.join(declared) or 'none'})",
            )
            continue
        for team in teams:
            problem = _scope_problem(what, name, item.scope, team)
            if problem is not None:
                yield Finding(path, problem)
                break


def _scope_problem(what: str, name: str, scope: Scope, team: Team) -> str | None:
    if team.role.defends and scope is Scope.SHARED:
        return (
            f"defending team {team.name!r} is granted shared {what} {name!r}: every copy "
            f"meets there, so grant only per-copy {what}s (its own copy's)"
        )
    if not team.role.defends and scope is Scope.COPY:
        return (
            f"team {team.name!r} ({team.role.value}) has no copy of its own, so per-copy "
            f"{what} {name!r} does not say which copy's: grant shared {what}s only"
        )
    return None
