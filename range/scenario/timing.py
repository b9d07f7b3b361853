"""Time-compressing a scenario for rehearsals and demos.

A 90-minute drill can be rehearsed in a few minutes: every time in the
scenario (inject times, report deadline, freeze, coordination requests and
SITREP period) is scaled by the same factor;
the tick is set on its own, since checks need a few seconds whatever the pace.
"""

from __future__ import annotations

from collections.abc import Callable

from range.errors import PlanError
from range.scenario.models import Coordination, Scenario


def compress(scenario: Scenario, duration: int, tick: int) -> Scenario:
    """The same scenario lasting ``duration`` seconds with a ``tick``-second clock."""
    if tick < 1 or duration < tick * 3:
        raise PlanError("a compressed exercise needs tick >= 1 s and at least three ticks")
    factor = duration / scenario.duration

    def scale(seconds: int) -> int:
        return max(1, round(seconds * factor))

    injects = [
        inject.model_copy(update={"at": min(scale(inject.at), duration - 1)})
        for inject in scenario.injects
    ]
    freeze = scenario.scoring.freeze
    scoring = scenario.scoring.model_copy(
        update={
            "report_deadline": max(scale(scenario.scoring.report_deadline), tick * 6),
            "freeze": scale(freeze) if freeze else None,
        }
    )
    return scenario.model_copy(update={
        "duration": duration, "tick": tick, "injects": injects, "scoring": scoring,
        "coordination": _coordination(scenario, duration, tick, scale),
    })


def _coordination(scenario: Scenario, duration: int, tick: int,
                  scale: Callable[[int], int]) -> Coordination:
    """Requests asked and due, and the SITREP period, on the compressed clock."""
    block = scenario.coordination
    requests = [r.model_copy(update={"at": min(scale(r.at), duration - 1), "due": scale(r.due)})
                for r in block.requests]
    sitrep = block.sitrep and block.sitrep.model_copy(
        update={"every": max(scale(block.sitrep.every), tick)})
    return block.model_copy(update={"requests": requests, "sitrep": sitrep})
