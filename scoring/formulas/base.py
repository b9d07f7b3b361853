"""What every scoring formula shares: parameters, fact rows, score lines, and the
accumulator that turns facts into per-team category scores.

A formula is an :class:`Accumulator` subclass. It is fed the facts of one tick
at a time (:meth:`Accumulator.apply_tick`, facts in ``(tick, id)`` order), so the
same code serves a full recompute (feed every tick) and an incremental update
(restore the state saved after the previous tick, feed one tick). Its state is
small and JSON-serialisable; its results never depend on anything but the facts
and :class:`GameParams` — a pure function of facts, evaluated in steps.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from range.scenario.models import Scenario, Scope
from scoring.tables import FactKind

CATEGORIES = ("attack", "defense", "availability", "reports", "injects", "hints", "adjustments")
NO_SCORE_ROLES = frozenset({"white"})  # roles that never appear on the board
SNAPSHOT_VERSION = 2  # part of every formula key: older saved states are not loaded


@dataclass(frozen=True, slots=True)
class ServiceSlot:
    host: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.host}/{self.name}"


@dataclass(frozen=True, slots=True)
class ObjectiveSlot:
    host: str
    path: str
    points: int

    @property
    def label(self) -> str:
        return f"{self.host}:{self.path}"


@dataclass(frozen=True, slots=True)
class Catalog:
    """Flag slots: index ``slot`` of a flag's claims points into these tuples.

    Order: hosts in scenario order, then each host's services (resp. objective
    flags) in order. Services count only on per-copy hosts (shared hosts have no
    team to defend them); objective flags on every host. This is the numbering of
    scoring.checkers.targets.service_slots and range.provision.inventory.flag_spots.
    """

    services: tuple[ServiceSlot, ...]
    objectives: tuple[ObjectiveSlot, ...]


def flag_catalog(scenario: Scenario) -> Catalog:
    services = tuple(
        ServiceSlot(host, service.name)
        for host, spec in scenario.hosts.items()
        if spec.scope is Scope.COPY
        for service in spec.services
    )
    objectives = tuple(
        ObjectiveSlot(host, flag.path, flag.points)
        for host, spec in scenario.hosts.items()
        for flag in spec.flags
    )
    return Catalog(services, objectives)


@dataclass(frozen=True, slots=True)
class TeamRef:
    name: str
    role: str
    copy: int


@dataclass(frozen=True)
class GameParams:
    """Everything a formula may use besides facts."""

    teams: tuple[TeamRef, ...]  # scored teams (every role but white)
    catalog: Catalog
    flag_lifetime: int
    tick_seconds: int
    weights: Mapping[str, float] = field(default_factory=dict)
    first_blood: float = 0.0

    def weight(self, name: str, default: float = 1.0) -> float:
        return float(self.weights.get(name, default))

    def key(self, formula: str) -> str:
        """Formula name plus a hash of the parameters that change scores."""
        blob = json.dumps(
            [
                SNAPSHOT_VERSION,
                sorted((t.name, t.role, t.copy) for t in self.teams),
                self.flag_lifetime,
                sorted(self.weights.items()),
                self.first_blood,
                [o.points for o in self.catalog.objectives],
                len(self.catalog.services),
            ],
        )
        return f"{formula}:{hashlib.sha256(blob.encode()).hexdigest()[:16]}"


class FactRow(NamedTuple):
    """The columns of ``Fact`` that formulas read."""

    id: int
    tick: int
    kind: FactKind
    team: str | None
    target: str | None
    host: str | None
    service: str | None
    outcome: str | None
    points: float | None
    data: dict[str, Any]
    times: int = 1  # checks may arrive summed (see scoring.scoreboard.load_rows)


def service_label(row: FactRow) -> str | None:
    """The service (``host/service``) or objective (``host:path``) a capture or a
    check is about, as the board labels it; None for every other fact."""
    if row.host is None or row.kind not in (FactKind.CAPTURE, FactKind.CHECK):
        return None
    if row.kind is FactKind.CAPTURE and row.data.get("kind") == "objective":
        return f"{row.host}:{row.service}"
    return f"{row.host}/{row.service}"


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One contribution to a team's category score, and the fact behind it."""

    team: str
    category: str
    fact_id: int | None  # None for a formula-level correction line
    tick: int
    points: float
    reason: str
    service: str | None = None  # host/service (or host:path) the points are for


Totals = dict[str, dict[str, float]]


class Accumulator:
    """Base formula: handles the kinds every formula scores the same way.

    Reports, inject grades, hints and adjustments carry their own signed points;
    red actions with points count as attack. Subclasses score captures and
    checks (:meth:`on_capture`, :meth:`on_check`) and may add live parts to the
    totals (:meth:`extra_totals`). ``record=True`` keeps score lines for explain.
    """

    name: ClassVar[str] = "base"
    # A service flag of tick p is accepted through tick p + flag_lifetime - 1 + this
    # (ForcAD refuses a flag only when current - p > lifetime: one tick more)
    extra_valid_ticks: ClassVar[int] = 0
    _FIXED: ClassVar[Mapping[FactKind, str]] = {
        FactKind.REPORT_MATCH: "reports",
        FactKind.SHARE_MATCH: "reports",  # intelligence shared in time counts as reporting
        FactKind.INJECT_GRADE: "injects",
        FactKind.HINT: "hints",
        FactKind.ADJUSTMENT: "adjustments",
        FactKind.RED_ACTION: "attack",
    }

    def __init__(self, params: GameParams, record: bool = False) -> None:
        self.params = params
        self.record = record
        self.tick = -1  # last tick applied
        self.sums: defaultdict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        self.first_bloods: set[str] = set()
        self.lines: list[ScoreLine] = []
        self.scored = {t.name for t in params.teams}
        # team -> service label -> points added through add() (captures, checks)
        self.by_service: defaultdict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )

    # -- feeding ---------------------------------------------------------------
    def apply_tick(self, tick: int, rows: Iterable[FactRow]) -> None:
        self.apply_rows(rows)
        self.end_tick(tick)
        self.tick = tick

    def apply_rows(self, rows: Iterable[FactRow]) -> None:
        """Score facts of a tick that is still running: the tick is not ended
        (:meth:`end_tick`), so more of its facts may follow, in id order, and the
        totals are those a full feed of the facts so far would give."""
        for row in rows:
            kind = row.kind
            if kind is FactKind.CAPTURE:
                self._first_blood(row)
                self.on_capture(row)
            elif kind is FactKind.CHECK:
                self.on_check(row)
            elif kind in self._FIXED and row.points is not None:
                team = row.target if kind is FactKind.ADJUSTMENT and row.target else row.team
                if team is not None:
                    self.add(team, self._FIXED[kind], row.points, row, kind.value)

    def add(self, team: str, category: str, points: float, row: FactRow, reason: str) -> None:
        points *= self.params.weight(category)
        self.sums[team][category] += points
        label = service_label(row)
        if label is not None:
            self.by_service[team][label] += points
        if self.record:
            self.lines.append(ScoreLine(team, category, row.id, row.tick, points, reason, label))

    def _first_blood(self, row: FactRow) -> None:
        bonus = self.params.first_blood
        key = f"{row.data.get('kind')}:{row.data.get('slot')}"
        if bonus and row.team and key not in self.first_bloods:
            self.first_bloods.add(key)
            self.add(row.team, "attack", bonus, row, f"first blood {key}")

    # -- hooks -----------------------------------------------------------------
    def on_capture(self, row: FactRow) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def on_check(self, row: FactRow) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def end_tick(self, tick: int) -> None:
        """Called after each tick's facts (e.g. to settle expired flags)."""

    def extra_totals(self) -> Totals:
        return {}

    def extra_lines(self) -> list[ScoreLine]:
        return []

    def extra_service_totals(self) -> Totals:
        """Per team and service label: points the formula adds beside :meth:`add`."""
        return {}

    # -- results ---------------------------------------------------------------
    def totals(self) -> Totals:
        """Points per scored team and category (every category present)."""
        result = {team: dict.fromkeys(CATEGORIES, 0.0) for team in self.scored}
        for source in (self.sums, self.extra_totals()):
            for team, cats in source.items():
                if team in result:
                    for cat, points in cats.items():
                        result[team][cat] = result[team].get(cat, 0.0) + points
        return result

    def service_totals(self) -> Totals:
        """Points per scored team and service (or objective) label: the part of the
        total that captures and checks of that service earned or cost."""
        result: Totals = {team: {} for team in self.scored}
        for source in (self.by_service, self.extra_service_totals()):
            for team, services in source.items():
                if team in result:
                    mine = result[team]
                    for label, points in services.items():
                        mine[label] = mine.get(label, 0.0) + points
        return result

    def all_lines(self) -> list[ScoreLine]:
        if not self.record:
            raise ValueError("score lines need an accumulator created with record=True")
        return [*self.lines, *self.extra_lines()]

    # -- persistence -----------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "tick": self.tick,
            "sums": {team: dict(cats) for team, cats in self.sums.items()},
            "first_bloods": sorted(self.first_bloods),
            "by_service": {team: dict(s) for team, s in self.by_service.items()},
        }

    def load_state(self, state: Mapping[str, Any]) -> None:
        self.tick = int(state["tick"])
        for team, cats in state["sums"].items():
            self.sums[team].update(cats)
        for team, services in state["by_service"].items():
            self.by_service[team].update(services)
        self.first_bloods = set(state["first_bloods"])
