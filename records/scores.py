"""The scores records show: team totals, ranks and the timeline.

Scores are scoring's business; this module only adapts the scoreboard to what
reports and training records need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from scoring.scoreboard import compute_scoreboard


@dataclass(frozen=True)
class TeamLine:
    name: str
    role: str
    total: float
    rank: int
    categories: dict[str, float] = field(default_factory=dict)
    copy: int = 0  # the copy the team defends, 0 for none


@dataclass(frozen=True)
class ScoreView:
    teams: list[TeamLine]
    history: list[tuple[int, dict[str, float]]]  # (tick, team → total so far)

    def total_of(self, team: str) -> float:
        return next((t.total for t in self.teams if t.name == team), 0.0)

    def best(self) -> float:
        return max((t.total for t in self.teams), default=0.0)


def load_scores(engine: Engine, exercise_name: str, viewer_role: str = "white") -> ScoreView:
    """Team totals, ranks and timeline, from scoring's scoreboard."""
    board = compute_scoreboard(engine, exercise_name, viewer_role=viewer_role)
    teams = [TeamLine(t.name, t.role, t.total, t.rank, dict(t.categories), t.copy)
             for t in board.teams]
    return ScoreView(teams, list(board.history))
