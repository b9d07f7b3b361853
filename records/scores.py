"""The scores records show: team totals, ranks and the timeline.

Scores are scoring's business; this module only adapts the scoreboard to what
reports and training records need.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from records.common import exercise_id, get_exercise
from scoring.tables import Fact, TeamEntry


@dataclass(frozen=True)
class TeamLine:
    name: str
    role: str
    total: float
    rank: int
    categories: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoreView:
    teams: list[TeamLine]
    history: list[tuple[int, dict[str, float]]]  # (tick, team → total so far)

    def total_of(self, team: str) -> float:
        return next((t.total for t in self.teams if t.name == team), 0.0)

    def best(self) -> float:
        return max((t.total for t in self.teams), default=0.0)


def load_scores(engine: Engine, exercise_name: str) -> ScoreView:
    """Team totals and timeline of an exercise."""
    return _from_fact_points(engine, exercise_name)


def _from_fact_points(engine: Engine, exercise_name: str) -> ScoreView:
    """Sum of the explicit points facts carry, per team and tick."""
    with Session(engine) as session:
        ex_id = exercise_id(get_exercise(session, exercise_name))
        teams = list(session.exec(select(TeamEntry).where(TeamEntry.exercise_id == ex_id)
                                  .order_by(col(TeamEntry.name))))
        facts = list(session.exec(select(Fact).where(
            Fact.exercise_id == ex_id, col(Fact.points).is_not(None)).order_by(col(Fact.tick))))
    per_tick: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for fact in facts:
        team = fact.target if fact.kind == "adjustment" and fact.target else fact.team
        if team is not None and fact.points is not None:
            per_tick[fact.tick][team] += fact.points
    running: dict[str, float] = {t.name: 0.0 for t in teams}
    history: list[tuple[int, dict[str, float]]] = []
    for tick in sorted(per_tick):
        for team, points in per_tick[tick].items():
            running[team] = running.get(team, 0.0) + points
        history.append((tick, dict(running)))
    ordered = sorted(teams, key=lambda t: -running.get(t.name, 0.0))
    lines = [TeamLine(t.name, t.role, running.get(t.name, 0.0), i + 1)
             for i, t in enumerate(ordered)]
    return ScoreView(lines, history)
