"""Semantic checks of the ``coordination`` block: who may be named where.

An organisation's name must differ from every team name and from
``white-cell`` (the white cell's own party name), since messages address
teams, organisations and the white cell by name alike. A request comes from an
organisation or the white cell and goes to defenders or the ISAC: red is the
adversary of the drill, not a party to its coordination.
"""

from __future__ import annotations

from collections.abc import Iterator

from range.scenario.finding import Finding
from range.scenario.models import Role, Scenario

WHITE_CELL = "white-cell"


def audience(scenario: Scenario, target: str) -> list[str]:
    """The team names ``target`` (a team name, a role, or 'all': every team but
    red) designates."""
    if target == "all":
        return [t.name for t in scenario.teams if t.role is not Role.RED]
    return [t.name for t in scenario.teams if target in (t.name, t.role.value)]


def coordination_findings(scenario: Scenario) -> Iterator[Finding]:
    block = scenario.coordination
    teams = {t.name: t for t in scenario.teams}
    orgs: set[str] = set()
    for index, org in enumerate(block.organisations):
        path = ("coordination", "organisations", index, "name")
        if org.name in teams or org.name == WHITE_CELL:
            yield Finding(path, f"organisation {org.name!r} has the name of a team or of the "
                          f"white cell; give it its own name")
        elif org.name in orgs:
            yield Finding(path, f"duplicate organisation name {org.name!r}: names must be unique")
        orgs.add(org.name)
    if block.sitrep is not None:
        yield from _recipients(scenario, ("coordination", "sitrep", "to"), block.sitrep.to)
    for index, request in enumerate(block.requests):
        base = ("coordination", "requests", index)
        if request.sender not in orgs and request.sender != WHITE_CELL:
            yield Finding((*base, "from"), f"request from undeclared organisation "
                          f"{request.sender!r} (declared: {', '.join(sorted(orgs)) or 'none'}; "
                          f"or {WHITE_CELL})")
        yield from _recipients(scenario, (*base, "to"), request.to)
        if request.at > scenario.duration:
            yield Finding((*base, "at"), f"request at {request.at}s comes after the end of the "
                          f"exercise (duration {scenario.duration}s)")


def _recipients(scenario: Scenario, path: tuple[str | int, ...], target: str) -> Iterator[Finding]:
    named = [t.name for t in scenario.teams if target in (t.name, t.role.value)]
    if not named and target != "all":
        roles = ", ".join(r.value for r in Role)
        yield Finding(path, f"unknown recipient {target!r} (expected 'all', a team name or a "
                      f"role: {roles})")
    elif any(t.role is Role.RED for t in scenario.teams if t.name in named):
        yield Finding(path, f"{target!r} names a red team: red takes no part in coordination")
