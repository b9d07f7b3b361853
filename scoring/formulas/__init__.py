"""Scoring formulas, by name. See docs/scoring.md for the exact math."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from range.errors import NotFoundError
from scoring.formulas.base import Accumulator, GameParams
from scoring.formulas.faust import FaustFormula
from scoring.formulas.forcad import ForcadFormula
from scoring.formulas.points import PointsFormula

FORMULAS: Mapping[str, type[Accumulator]] = MappingProxyType(
    {cls.name: cls for cls in (FaustFormula, ForcadFormula, PointsFormula)}
)
DEFAULT_FORMULA = "faust"


def formula_class(name: str) -> type[Accumulator]:
    try:
        return FORMULAS[name]
    except KeyError:
        known = ", ".join(sorted(FORMULAS))
        raise NotFoundError(f"unknown scoring formula {name!r} (known: {known})") from None


def new_accumulator(name: str, params: GameParams, record: bool = False) -> Accumulator:
    return formula_class(name)(params, record=record)
