"""Who receives a shared object: TLP 2.0 applied to the teams of one exercise.

An *organisation* is a set of team instances (scenario ``sharing.organisations``;
a team instance named in none is an organisation of its own). The *community*
is every team except the attackers (role red): red is the adversary of the
drill, not a member of its sharing community.

=============  ============================================================
marking        readers (besides exercise staff: white, admin, auditor)
=============  ============================================================
CLEAR          everyone in the exercise, red included (stored as ``*``)
GREEN          the community
AMBER          the publisher's organisation and that organisation's clients
AMBER+STRICT   the publisher's organisation only
RED            the publisher's team and the named recipients only
=============  ============================================================

The ISAC's organisation has every community team as client unless the scenario
names its clients. Staff read everything: the white cell runs and grades the
drill and auditors read every record; they are exercise control, not TLP
recipients, and docs/sharing.md says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from range.scenario.models import Scenario
from records.sharing.errors import SharingDenied, SharingError
from records.sharing.tlp import Tlp

EVERYONE = "*"
_INSTANCE = re.compile(r"^(?P<base>.+)-\d+$")


@dataclass(frozen=True)
class Community:
    """The teams of one exercise as the feed sees them."""

    roles: dict[str, str]  # team instance -> role
    org_of: dict[str, str]
    members: dict[str, frozenset[str]]
    clients: dict[str, frozenset[str]] = field(default_factory=dict)
    isac: str | None = None

    @property
    def community(self) -> frozenset[str]:
        return frozenset(t for t, role in self.roles.items() if role != "red")

    def readers(self, publisher: str, tlp: Tlp, recipients: Iterable[str] = ()) -> frozenset[str]:
        """The team instances that receive an object ``publisher`` shares as ``tlp``."""
        named = frozenset(recipients)
        unknown = sorted(named - set(self.roles))
        if unknown:
            raise SharingError(f"unknown recipient team {unknown[0]!r}", field="recipients")
        if named and tlp is not Tlp.RED:
            raise SharingError("recipients are named for TLP:RED only", field="recipients")
        if tlp is Tlp.CLEAR:
            return frozenset({EVERYONE})
        if tlp is Tlp.GREEN:
            return self.community | {publisher}
        org = self.org_of[publisher]
        if tlp is Tlp.AMBER_STRICT:
            return self.members[org]
        if tlp is Tlp.AMBER:
            return self.members[org] | self.clients.get(org, frozenset())
        if not named:
            raise SharingError("TLP:RED needs named recipients (x_cyberrange_recipients)",
                               field="recipients")
        return named | {publisher}


def build(scenario: Scenario, roles: dict[str, str]) -> Community:
    """The community of an exercise from its scenario and its team instances."""
    org_of: dict[str, str] = {}
    members: dict[str, set[str]] = {}
    clients: dict[str, frozenset[str]] = {}
    for org in scenario.sharing.organisations:
        found = _instances(org.members, roles)
        for team in found:
            if team in org_of:
                raise SharingError(f"team {team} is in organisations {org_of[team]} and "
                                   f"{org.name}")
            org_of[team] = org.name
        members[org.name] = set(found)
        clients[org.name] = frozenset(_instances(org.clients, roles))
    for team in roles:
        if team not in org_of:
            org_of[team], members[team] = team, {team}
    isac = _isac(scenario, roles)
    community = frozenset(t for t, role in roles.items() if role != "red")
    if isac is not None and not clients.get(org_of[isac]):
        clients[org_of[isac]] = community
    return Community(dict(roles), org_of, {k: frozenset(v) for k, v in members.items()},
                     clients, isac)


def _instances(names: Iterable[str], roles: dict[str, str]) -> list[str]:
    """Team instances named directly (blue-1) or by their scenario team (blue)."""
    found: list[str] = []
    for name in names:
        hits = [t for t in roles if t == name or _base(t) == name]
        if not hits:
            raise SharingError(f"sharing: no team {name!r} in this exercise")
        found.extend(h for h in hits if h not in found)
    return found


def _base(team: str) -> str | None:
    match = _INSTANCE.match(team)
    return match.group("base") if match else None


def _isac(scenario: Scenario, roles: dict[str, str]) -> str | None:
    if scenario.sharing.isac is not None:
        named = _instances([scenario.sharing.isac], roles)
        return named[0]
    for wanted in ("isac", "white"):
        for team, role in roles.items():
            if role == wanted:
                return team
    return None


@dataclass(frozen=True)
class Caller:
    """Who reads or writes the feed: a team instance, or exercise staff."""

    name: str  # username (the audit actor)
    team: str | None
    staff: bool = False  # white or admin: may act for a white-cell ISAC
    reads_all: bool = False  # white, admin, auditor

    def publisher(self, community: Community) -> str:
        """The team an object published by this caller is shared as."""
        if self.team is not None and self.team in community.roles:
            if community.roles[self.team] == "red":
                raise SharingDenied("red teams do not publish to the sharing feed")
            return self.team
        if self.staff:
            # A staff-side ISAC (a white team) is played by the white cell.
            isac = [community.isac] if self.acts_as_isac(community) else []
            whites = [t for t, role in community.roles.items() if role == "white"]
            if isac or whites:
                return str((isac or whites)[0])
        raise SharingDenied(f"{self.name} plays no team in this exercise")

    def acts_as_isac(self, community: Community) -> bool:
        isac = community.isac
        if isac is None:
            return False
        return self.team == isac or (self.staff and community.roles[isac] == "white")
