"""Semantic checks of the ``sharing`` block: the ISAC and the organisations.

Names in ``sharing`` are teams (``blue``: every instance) or team instances
(``blue-2`` of a team with copies). The ISAC is a team with role isac or
white; red, the drill's adversary, is not in the sharing community, so it is
in no organisation; a team instance belongs to one organisation at most.
"""

from __future__ import annotations

from collections.abc import Iterator

from range.scenario.finding import Finding
from range.scenario.models import Role, Scenario


def instances(scenario: Scenario) -> dict[str, list[str]]:
    """Every name ``sharing`` may use -> the team instances it means."""
    names: dict[str, list[str]] = {}
    for team in scenario.teams:
        numbered = [f"{team.name}-{n}" for n in range(1, team.copies + 1)]
        names[team.name] = numbered if team.role.defends and team.copies > 1 else [team.name]
        if len(names[team.name]) > 1:
            names.update({one: [one] for one in numbered})
    return names


def sharing_findings(scenario: Scenario) -> Iterator[Finding]:
    block = scenario.sharing
    known = instances(scenario)
    roles = {t.name: t.role for t in scenario.teams}
    if block.isac is not None:
        base = next((t.name for t in scenario.teams if block.isac in (
            t.name, *known.get(t.name, []))), None)
        if base is None or roles[base] not in (Role.ISAC, Role.WHITE):
            yield Finding(("sharing", "isac"), f"the ISAC {block.isac!r} must be a team with "
                          "role isac or white")
    owner: dict[str, str] = {}
    seen: set[str] = set()
    for index, org in enumerate(block.organisations):
        if org.name in seen:
            yield Finding(("sharing", "organisations", index, "name"),
                          f"organisation {org.name!r} is declared twice")
        seen.add(org.name)
        for field in ("members", "clients"):
            for position, name in enumerate(getattr(org, field)):
                where = ("sharing", "organisations", index, field, position)
                if name not in known:
                    yield Finding(where, f"no team or team instance {name!r} (known: "
                                  f"{', '.join(sorted(known))})")
                    continue
                if any(roles.get(_base(one, roles)) is Role.RED for one in known[name]):
                    yield Finding(where, f"{name!r} is red: the adversary is in no organisation")
                    continue
                if field == "members":
                    for one in known[name]:
                        if owner.setdefault(one, org.name) != org.name:
                            yield Finding(where, f"{one} is already a member of "
                                          f"{owner[one]!r}")


def _base(instance: str, roles: dict[str, Role]) -> str:
    if instance in roles:
        return instance
    return instance.rpartition("-")[0]
