"""One board for a competition that mixes an attack-defense game and challenges.

A team's combined total is its total on the exercise's own board (the
formula's categories: attack, defense, availability, …) plus its challenge
score. Both are read as the same viewer sees them (the freeze applies to both
alike). Ranks: higher total first, ties by name. Nothing is stored: both
parts are computed from the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from scoring.challenges.board import challenge_board
from scoring.scoreboard import compute_scoreboard


@dataclass(frozen=True)
class CombinedStanding:
    rank: int
    team: str
    exercise: float  # the formula's total
    challenges: float
    total: float


def combined_board(engine: Engine, exercise_name: str,
                   viewer_role: str = "white") -> list[CombinedStanding]:
    main = {t.name: t.total for t in
            compute_scoreboard(engine, exercise_name, viewer_role=viewer_role).teams}
    jeopardy = {s.team: s.score for s in
                challenge_board(engine, exercise_name, viewer_role).standings}
    teams = sorted(set(main) | set(jeopardy),
                   key=lambda t: (-(main.get(t, 0.0) + jeopardy.get(t, 0.0)), t))
    return [CombinedStanding(i + 1, t, main.get(t, 0.0), jeopardy.get(t, 0.0),
                             main.get(t, 0.0) + jeopardy.get(t, 0.0))
            for i, t in enumerate(teams)]
