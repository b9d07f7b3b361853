"""The objective flags planted in a range: signed with its exercise's secret, per copy."""

from __future__ import annotations

from range.plan import Plan
from range.provision.inventory import flag_spots
from range.scenario.models import Scenario
from scoring.flags import FlagCodec
from scoring.tables import Exercise


def objective_flags(
    exercise: Exercise, plan: Plan, scenario: Scenario
) -> dict[tuple[str, int, int], str]:
    """(host, copy, index) → signed objective flag of that copy."""
    assert exercise.id is not None
    codec = FlagCodec(exercise.secret, exercise.id)
    return {
        (spot.host, spot.copy, spot.index): codec.objective_flag(spot.copy, spot.slot)
        for spot in flag_spots(plan, scenario)
    }
