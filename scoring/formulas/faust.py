"""The FAUST CTF formula (default), as its gameserver scores attack-defense games.

Per flag f with n_f accepted captures (by distinct teams):

* attack, per capture of f:         1 + 1/n_f
* defense, for the owner of f:      -(n_f ** 0.75)
* availability, per check result:   (1 if ok, 0.5 if recovering, else 0) * sqrt(N)
  (check_failed, the checker's own fault, counts as ok: never blamed on the team)

N is the number of scored teams. n_f keeps growing while f is still valid, so
earlier captures of f lose value as others capture it too; once f expires
(service flags: ``flag_tick + flag_lifetime`` ticks) its points are final and
move into the settled sums — which keeps the running state to the live flags.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, ClassVar

from scoring.formulas.base import (
    Accumulator,
    FactRow,
    GameParams,
    ScoreLine,
    Totals,
    service_label,
)

DEFENSE_EXPONENT = 0.75
# CHECK_FAILED is the checker's fault, not the team's: the team keeps the tick's point.
SLA_VALUE: Mapping[str, float] = {"ok": 1.0, "recovering": 0.5, "check_failed": 1.0}


def flag_key(data: Mapping[str, Any]) -> str:
    return f"{data.get('kind')}:{data.get('flag_tick')}:{data.get('copy')}:{data.get('slot')}"


class FaustFormula(Accumulator):
    name: ClassVar[str] = "faust"

    def __init__(self, params: GameParams, record: bool = False) -> None:
        super().__init__(params, record)
        # live flag key -> [owner, expires at tick (None: never), [attackers], service label]
        self.live: dict[str, list[Any]] = {}
        self.settled: defaultdict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        self.settled_services: defaultdict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        # record mode: every capture of every flag, for the explain lines
        self.history: defaultdict[str, list[FactRow]] = defaultdict(list)
        self.sla_unit = math.sqrt(max(1, len(params.teams)))
        self.w_attack, self.w_defense = params.weight("attack"), params.weight("defense")
        self.next_expiry: int | None = None  # earliest expiry among live flags
        # the live flags' points, kept up to date capture by capture: reading the
        # totals costs O(teams), not O(live flags), however long flags live
        self.live_sums: defaultdict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        self.live_services: defaultdict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )

    def on_capture(self, row: FactRow) -> None:
        key = flag_key(row.data)
        entry = self.live.get(key)
        if entry is None:
            expires = None
            if row.data.get("kind") == "service":
                expires = int(row.data.get("flag_tick", 0)) + self.params.flag_lifetime
                if self.next_expiry is None or expires < self.next_expiry:
                    self.next_expiry = expires
            entry = self.live[key] = [row.target, expires, [], service_label(row)]
        elif entry[2]:  # its points change with n: take the old share out first
            self._score(self.live_sums, entry[0], entry[2], entry[3], self.live_services, -1.0)
        entry[2].append(row.team)
        self._score(self.live_sums, entry[0], entry[2], entry[3], self.live_services)
        if self.record:
            self.history[key].append(row)

    def on_check(self, row: FactRow) -> None:
        value = SLA_VALUE.get((row.outcome or "").lower(), 0.0)
        if value and row.team is not None:
            points = value * self.sla_unit * row.times
            self.add(row.team, "availability", points, row, f"check {row.outcome}")

    def end_tick(self, tick: int) -> None:
        # A flag is final once it can no longer be submitted at the next tick.
        if self.next_expiry is None or self.next_expiry > tick + 1:
            return
        done = [k for k, v in self.live.items() if v[1] is not None and v[1] <= tick + 1]
        for key in done:
            owner, _, attackers, label = self.live.pop(key)
            self._score(self.live_sums, owner, attackers, label, self.live_services, -1.0)
            self._score(self.settled, owner, attackers, label, self.settled_services)
        if not self.live:  # nothing live: no rounding left over from the moves above
            self.live_sums.clear()
            self.live_services.clear()
        pending = [entry[1] for entry in self.live.values() if entry[1] is not None]
        self.next_expiry = min(pending) if pending else None

    def _score(
        self,
        into: Any,
        owner: str | None,
        attackers: list[str],
        label: str,
        services: Any,
        sign: float = 1.0,
    ) -> None:
        n = len(attackers)
        gain = sign * (1.0 + 1.0 / n) * self.w_attack
        loss = sign * n**DEFENSE_EXPONENT * self.w_defense
        for attacker in attackers:
            into[attacker]["attack"] += gain
            services[attacker][label] += gain
        if owner is not None:
            into[owner]["defense"] -= loss
            services[owner][label] -= loss

    def extra_totals(self) -> Totals:
        return _merged(self.settled, self.live_sums)

    def extra_service_totals(self) -> Totals:
        return _merged(self.settled_services, self.live_services)

    def extra_lines(self) -> list[ScoreLine]:
        lines: list[ScoreLine] = []
        w_attack, w_defense = self.params.weight("attack"), self.params.weight("defense")
        for key, rows in self.history.items():
            n = len(rows)
            for row in rows:
                points = (1.0 + 1.0 / n) * w_attack
                lines.append(
                    ScoreLine(
                        row.team or "",
                        "attack",
                        row.id,
                        row.tick,
                        points,
                        f"captured {key} (1 + 1/{n})",
                        service_label(row),
                    )
                )
            last = rows[-1]
            if last.target is not None:
                points = -(n**DEFENSE_EXPONENT) * w_defense
                lines.append(
                    ScoreLine(
                        last.target,
                        "defense",
                        last.id,
                        last.tick,
                        points,
                        f"lost {key} to {n} team(s) (-{n}^0.75)",
                        service_label(last),
                    )
                )
        return lines

    def state(self) -> dict[str, Any]:
        state = super().state()
        # copies: states are kept (snapshots) while this accumulator moves on
        state["live"] = {key: [v[0], v[1], list(v[2]), v[3]] for key, v in self.live.items()}
        state["settled"] = {team: dict(cats) for team, cats in self.settled.items()}
        state["settled_services"] = {t: dict(s) for t, s in self.settled_services.items()}
        return state

    def load_state(self, state: Mapping[str, Any]) -> None:
        super().load_state(state)
        self.live = {key: [v[0], v[1], list(v[2]), v[3]] for key, v in state["live"].items()}
        pending = [entry[1] for entry in self.live.values() if entry[1] is not None]
        self.next_expiry = min(pending) if pending else None
        for team, cats in state["settled"].items():
            self.settled[team].update(cats)
        for team, services in state["settled_services"].items():
            self.settled_services[team].update(services)
        for owner, _, attackers, label in self.live.values():
            self._score(self.live_sums, owner, attackers, label, self.live_services)


def _merged(*parts: Mapping[str, Mapping[str, float]]) -> Totals:
    result: dict[str, dict[str, float]] = {}
    for part in parts:
        for team, values in part.items():
            mine = result.setdefault(team, {})
            for key, points in values.items():
                mine[key] = mine.get(key, 0.0) + points
    return result
