"""A plain points table, for exercises where captures are not a contest between equals.

* attack: ``weights.capture`` (default 10) per service flag captured; an
  objective flag's own ``points`` from the scenario.
* defense: ``-weights.loss`` (default 0) times those points for each flag lost.
* availability: ``weights.sla`` (default 1) per ok check, half for recovering;
  a check_failed (the checker's own fault) counts as ok.
"""

from __future__ import annotations

from typing import ClassVar

from scoring.formulas.base import Accumulator, FactRow

RECOVERING_SHARE = 0.5
SLA_SHARE = {"ok": 1.0, "recovering": RECOVERING_SHARE, "check_failed": 1.0}  # never blamed


class PointsFormula(Accumulator):
    name: ClassVar[str] = "points"

    def flag_points(self, row: FactRow) -> float:
        if row.data.get("kind") == "objective":
            slot = int(row.data.get("slot", -1))
            objectives = self.params.catalog.objectives
            return float(objectives[slot].points) if 0 <= slot < len(objectives) else 0.0
        return self.params.weight("capture", 10.0)

    def on_capture(self, row: FactRow) -> None:
        points = self.flag_points(row)
        label = f"{row.data.get('kind')} flag {row.host or ''}/{row.service or ''}"
        if row.team is not None:
            self.add(row.team, "attack", points, row, f"captured {label}")
        loss = self.params.weight("loss", 0.0)
        if loss and row.target is not None:
            self.add(row.target, "defense", -loss * points, row, f"lost {label}")

    def on_check(self, row: FactRow) -> None:
        share = SLA_SHARE.get((row.outcome or "").lower(), 0.0)
        if share and row.team is not None:
            points = share * self.params.weight("sla", 1.0) * row.times
            self.add(row.team, "availability", points, row, f"check {row.outcome}")
