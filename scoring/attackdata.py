"""Attack data: the flag ids attackers need to find this round's flags.

Attack-defense games publish, for each service whose checker stores a flag
under an id (a username, a note id), the ids of the flags still valid — per
team and tick (ForcAD's ``/api/client/attack_data``, FAUST's ``attack.json``).
The ids are public; the flags are not. They come from the ``FLAG_PLACED`` facts
the checkers' ``put`` wrote (``data.flag_id``: what the checker printed, or the
id the runner chose).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from scoring.formulas import formula_class
from scoring.ledger import FACT_TABLE, load_exercise
from scoring.tables import FactKind


def valid_ticks(formula: str, flag_lifetime: int) -> int:
    """How many ticks a service flag is accepted, its own included (see
    scoring.submissions: one more under forcad)."""
    return flag_lifetime + formula_class(formula).extra_valid_ticks


def attack_data(engine: Engine, exercise_name: str) -> dict[str, Any]:
    """``{"tick": t, "services": {"host/service": {team: {tick: [flag_id]}}}}`` for
    every flag placed at a tick whose flags are still accepted at tick t."""
    exercise = load_exercise(engine, exercise_name)
    tick = exercise.current_tick
    oldest = tick - valid_ticks(exercise.formula, exercise.flag_lifetime) + 1
    c = FACT_TABLE.c
    query = (
        select(c.tick, c.team, c.host, c.service, c.data["flag_id"].as_string())
        .where(c.exercise_id == exercise.id, c.kind == FactKind.FLAG_PLACED)
        .where(c.tick >= oldest, c.tick <= tick)
        .order_by(c.tick, c.id)
    )
    services: dict[str, dict[str, dict[str, list[str]]]] = {}
    with engine.connect() as conn:
        for placed, team, host, service, flag_id in conn.execute(query):
            by_team = services.setdefault(f"{host}/{service}", {})
            by_team.setdefault(team, {}).setdefault(str(placed), []).append(flag_id or "")
    return {"exercise": exercise.name, "tick": tick, "services": services}
