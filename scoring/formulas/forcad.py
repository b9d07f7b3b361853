"""ForcAD's Elo-like exchange (as in ForcAD's ``recalculate_rating``).

Every team holds a score per service, starting at D (``weights.forcad_default``,
2500). A capture of a service flag moves points from the victim's score for that
service to the attacker's, depending on both current scores A and V:

    scale = 50 * sqrt(H)             H = weights.forcad_hardness (10)
    norm  = ln(ln(H)) / 12
    gain  = scale / (1 + exp((sqrt(A) - sqrt(V)) * norm))
    loss  = -min(V, gain)
    without inflation (weights.forcad_inflation = 0): gain = min(gain, -loss)

ForcAD's service total is score * SLA, SLA = passed checks / checks (ok and
recovering pass). A check_failed (the checker's own fault) is neither a check
nor a pass here: it never moves the team's SLA. Here attack = sum of gains,
defense = sum of losses, and availability = (D + gains + losses) * SLA - gains
- losses for services with checks, so the category sum is exactly ForcAD's
total. Objective flags are not an exchange: the attacker gains the objective's
scenario points.
Captures are applied in (tick, id) order: the exchange depends on that order.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, ClassVar

from scoring.formulas.base import Accumulator, FactRow, GameParams, ScoreLine, Totals

PASSING = frozenset({"ok", "recovering"})
NOT_COUNTED = "check_failed"  # the checker failed: not held against the team


class ForcadFormula(Accumulator):
    name: ClassVar[str] = "forcad"
    extra_valid_ticks: ClassVar[int] = 1  # ForcAD: too old when current - p > flag_lifetime

    def __init__(self, params: GameParams, record: bool = False) -> None:
        super().__init__(params, record)
        hardness = params.weight("forcad_hardness", 10.0)
        self.default = params.weight("forcad_default", 2500.0)
        self.inflation = bool(params.weight("forcad_inflation", 1.0))
        self.scale = 50.0 * math.sqrt(hardness)
        self.norm = math.log(math.log(hardness)) / 12.0
        # team -> service label -> [gains, losses, checks, passed]
        self.cells: defaultdict[str, dict[str, list[float]]] = defaultdict(dict)
        self.passed_checks: defaultdict[tuple[str, str], list[FactRow]] = defaultdict(list)
        # ForcAD shows a defended service with no checks yet as 0 (its SLA is 0/0 → 0)
        self.defenders = frozenset(t.name for t in params.teams if t.copy)

    def cell(self, team: str, service: str) -> list[float]:
        found = self.cells[team].get(service)
        if found is None:
            found = self.cells[team][service] = [0.0, 0.0, 0, 0]
        return found

    def exchange(self, attacker_score: float, victim_score: float) -> tuple[float, float]:
        exponent = math.sqrt(max(attacker_score, 0.0)) - math.sqrt(max(victim_score, 0.0))
        gain = self.scale / (1.0 + math.exp(exponent * self.norm))
        loss = -min(victim_score, gain)
        if not self.inflation:
            gain = min(gain, -loss)
        return gain, loss

    def on_capture(self, row: FactRow) -> None:
        if row.team is None:
            return
        if row.data.get("kind") == "objective":
            slot = int(row.data.get("slot", -1))
            objectives = self.params.catalog.objectives
            points = float(objectives[slot].points) if 0 <= slot < len(objectives) else 0.0
            self.add(row.team, "attack", points, row, "captured objective flag")
            return
        service = f"{row.host}/{row.service}"
        mine, theirs = self.cell(row.team, service), self.cell(row.target or "", service)
        gain, loss = self.exchange(
            self.default + mine[0] + mine[1], self.default + theirs[0] + theirs[1]
        )
        mine[0] += gain
        theirs[1] += loss
        if self.record:
            self.lines.append(
                ScoreLine(
                    row.team,
                    "attack",
                    row.id,
                    row.tick,
                    gain,
                    f"captured {service} flag of {row.target}",
                    service,
                )
            )
            self.lines.append(
                ScoreLine(
                    row.target or "",
                    "defense",
                    row.id,
                    row.tick,
                    loss,
                    f"{service} flag captured by {row.team}",
                    service,
                )
            )

    def on_check(self, row: FactRow) -> None:
        if row.team is None or (row.outcome or "").lower() == NOT_COUNTED:
            return
        service = f"{row.host}/{row.service}"
        cell = self.cell(row.team, service)
        cell[2] += row.times
        if (row.outcome or "").lower() in PASSING:
            cell[3] += row.times
            if self.record:
                self.passed_checks[(row.team, service)].append(row)

    def service_score(self, team: str, gains: float, losses: float, checks: float,
                      passed: float) -> float:  # fmt: skip
        """ForcAD's shown score of one service: score * SLA. A team that defends
        the service and has no checks on it yet has SLA 0, as in ForcAD; a team
        that only attacks (no copy) keeps its gains (ForcAD has no such team)."""
        if checks:
            return (self.default + gains + losses) * passed / checks
        return 0.0 if team in self.defenders else gains + losses

    def extra_totals(self) -> Totals:
        result: dict[str, dict[str, float]] = {}
        for team, services in self.cells.items():
            cats = result.setdefault(team, {"attack": 0.0, "defense": 0.0, "availability": 0.0})
            for gains, losses, checks, passed in services.values():
                cats["attack"] += gains
                cats["defense"] += losses
                shown = self.service_score(team, gains, losses, checks, passed)
                cats["availability"] += shown - gains - losses
        return result

    def extra_service_totals(self) -> Totals:
        return {
            team: {
                label: self.service_score(team, *values) for label, values in services.items()
            }
            for team, services in self.cells.items()
        }

    def extra_lines(self) -> list[ScoreLine]:
        lines: list[ScoreLine] = []
        for team, services in self.cells.items():
            for service, (gains, losses, checks, _) in services.items():
                if checks:
                    lines.extend(self._sla_lines(team, service, gains + losses, int(checks)))
                elif team in self.defenders and gains + losses:
                    reason = f"{service}: no checks yet, SLA 0 (as ForcAD shows it)"
                    lines.append(ScoreLine(team, "availability", None, self.tick,
                                           -(gains + losses), reason, service))  # fmt: skip
        return lines

    def _sla_lines(self, team: str, service: str, moved: float, checks: int) -> list[ScoreLine]:
        share = (self.default + moved) / checks
        lines = [
            ScoreLine(
                team,
                "availability",
                row.id,
                row.tick,
                share,
                f"{service} check {row.outcome}: service score / {checks} checks",
                service,
            )
            for row in self.passed_checks[(team, service)]
        ]
        if moved:
            reason = f"{service}: gains and losses already counted in attack/defense"
            lines.append(ScoreLine(team, "availability", None, self.tick, -moved, reason, service))
        return lines

    def state(self) -> dict[str, Any]:
        state = super().state()
        state["cells"] = {
            team: {name: list(values) for name, values in services.items()}
            for team, services in self.cells.items()
        }
        return state

    def load_state(self, state: Mapping[str, Any]) -> None:
        super().load_state(state)
        for team, services in state["cells"].items():
            self.cells[team] = {name: list(values) for name, values in services.items()}
