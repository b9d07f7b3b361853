"""Who takes part in coordination, and who may speak as whom.

Parties are the exercise's team instances, the organisations of the
scenario's ``coordination.organisations`` and the white cell
(``white-cell``). Red is the adversary of the drill: a red team talks to the
white cell only, and no other party may address it (a message naming red and
anyone but the white cell is refused, nothing stored).

Staff accounts (white, admin) play the white cell, every organisation and any
team whose scenario role is white or isac; participants speak for their own
team only; auditors read every thread and write none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from range.scenario.checks_coordination import WHITE_CELL, audience
from range.scenario.models import Scenario
from records.coordination.errors import CannotReceive, CoordinationDenied
from scoring.ledger import load_teams
from scoring.tables import Exercise

STAFF_PLAYED_ROLES = frozenset({"white", "isac"})


@dataclass(frozen=True)
class Actor:
    """The person acting: an account name, and either a team or a staff/auditor role."""

    username: str
    team: str | None = None  # red/blue participants: their team in this exercise
    staff: bool = False  # white, admin
    auditor: bool = False

    @property
    def reads_all(self) -> bool:
        return self.staff or self.auditor


@dataclass(frozen=True)
class Directory:
    """The parties of one exercise."""

    roles: dict[str, str]  # team instance -> role
    organisations: dict[str, str]  # name -> title shown
    scenario: Scenario

    def kind(self, party: str) -> str:
        if party == WHITE_CELL:
            return "white-cell"
        if party in self.organisations:
            return "organisation"
        if party in self.roles:
            return "team"
        raise CannotReceive(f"no party {party!r} in this exercise (parties: "
                            f"{', '.join(self.parties())})", field="to")

    def parties(self) -> list[str]:
        return [WHITE_CELL, *self.organisations, *self.roles]

    def is_red(self, party: str) -> bool:
        return self.roles.get(party) == "red"

    def voices(self, actor: Actor) -> list[str]:
        """The parties ``actor`` may speak as."""
        if actor.staff:
            played = [t for t, role in self.roles.items() if role in STAFF_PLAYED_ROLES]
            return [WHITE_CELL, *self.organisations, *played]
        return [actor.team] if actor.team else []

    def speak_as(self, actor: Actor, party: str | None) -> str:
        voices = self.voices(actor)
        if not voices:
            raise CoordinationDenied("auditors read coordination; they do not write it")
        chosen = party or voices[0]
        if chosen not in voices:
            raise CoordinationDenied(f"you may not speak as {chosen!r} (you may: "
                                     f"{', '.join(voices)})", field="as")
        return chosen

    def check_parties(self, sender: str, recipients: Iterable[str]) -> list[str]:
        """Sender first, then each recipient once; CannotReceive for an unknown
        party, for red with anyone but the white cell, or for no recipient."""
        named = [p for p in dict.fromkeys(recipients) if p != sender]
        if not named:
            raise CannotReceive("name at least one recipient other than yourself", field="to")
        for party in named:
            self.kind(party)
        everyone = [sender, *named]
        reds = [p for p in everyone if self.is_red(p)]
        if reds and len([p for p in everyone if p != WHITE_CELL]) > 1:
            raise CannotReceive(f"{reds[-1]!r} is a red team: red talks to the white cell "
                                "only, and cannot receive coordination from other parties",
                                field="to")
        return everyone

    def teams_for(self, target: str) -> list[str]:
        """Team instances of a scenario audience (team name, role, 'all' but red)."""
        bases = set(audience(self.scenario, target))
        return [t for t in self.roles if t in bases or _base(t) in bases]


def _base(instance: str) -> str:
    head, _, tail = instance.rpartition("-")
    return head if head and tail.isdigit() else instance


def directory(engine: Engine, exercise: Exercise) -> Directory:
    assert exercise.id is not None
    scenario = Scenario.model_validate(exercise.scenario)
    roles = {t.name: t.role for t in load_teams(engine, exercise.id)}
    orgs = {o.name: o.title or f"{o.name} ({o.kind.value})"
            for o in scenario.coordination.organisations}
    return Directory(roles, orgs, scenario)
