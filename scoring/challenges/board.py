"""The challenge board: points per team, a pure function of facts and definitions.

A team's score is, for each challenge it solved, the challenge's value at the
current number of solves (:mod:`scoring.challenges.values`: every solver holds
the current value, as in CTFd), plus the exercise's first-blood bonus
(``scoring.first_blood`` of its scenario) for the first solve of each
challenge, minus the cost of each hint it unlocked. Teams of the white role
are not on the board. Ranks: higher score first; equal scores are ordered by
who reached it first (the time of the last scoring fact), as CTFd orders them.

Freeze: a viewer who is not staff sees only facts of the ticks before the
exercise's freeze (``scoring.freeze``), values included.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from range.scenario.models import Scenario
from scoring.challenges.store import StoredChallenge, load_challenges
from scoring.challenges.values import describe, value_at
from scoring.formulas.base import NO_SCORE_ROLES, ScoreLine
from scoring.ledger import FACT_TABLE, load_exercise, load_teams
from scoring.scoreboard import FULL_VIEW_ROLES, freeze_tick
from scoring.tables import Exercise, FactKind


@dataclass(frozen=True)
class ChallengeFact:
    id: int
    tick: int
    kind: FactKind
    team: str
    challenge: str
    points: float
    at: datetime
    actor: str = ""  # the account that solved or unlocked


@dataclass(frozen=True)
class Standing:
    rank: int
    team: str
    score: float
    solves: list[str]
    last: datetime | None  # when the score was last changed by a solve


@dataclass(frozen=True)
class ChallengeStat:
    name: str
    category: str
    value: int  # what each solver holds now
    solves: int


@dataclass(frozen=True)
class ChallengeBoard:
    exercise: str
    frozen: bool
    standings: list[Standing]
    challenges: list[ChallengeStat]
    lines: list[ScoreLine] = field(default_factory=list)
    facts: list[ChallengeFact] = field(default_factory=list)  # the ones scored


def score(challenges: list[StoredChallenge], facts: list[ChallengeFact], teams: list[str],
          first_blood: float) -> tuple[list[Standing], list[ChallengeStat], list[ScoreLine]]:
    """The board from facts (in id order). Pure: no database, no clock."""
    specs = {c.name: c.spec for c in challenges}
    solves: dict[str, list[ChallengeFact]] = defaultdict(list)
    for fact in facts:
        if fact.kind is FactKind.CHALLENGE_SOLVE and fact.challenge in specs:
            solves[fact.challenge].append(fact)
    lines: list[ScoreLine] = []
    for name, done in solves.items():
        value = value_at(specs[name], len(done))
        for order, fact in enumerate(done):
            lines.append(ScoreLine(fact.team, "challenges", fact.id, fact.tick, float(value),
                                   f"solved {name}: {describe(specs[name], len(done))}"))
            if order == 0 and first_blood:
                lines.append(ScoreLine(fact.team, "first blood", fact.id, fact.tick,
                                       float(first_blood), f"first blood on {name}"))
    for fact in facts:
        if fact.kind is FactKind.CHALLENGE_HINT:
            lines.append(ScoreLine(fact.team, "hints", fact.id, fact.tick, fact.points,
                                   f"unlocked a hint of {fact.challenge}"))
    standings = _rank(teams, lines, facts)
    stats = [ChallengeStat(c.name, c.spec.category, value_at(c.spec, len(solves[c.name])),
                           len(solves[c.name])) for c in challenges]
    return standings, stats, sorted(lines, key=lambda ln: (ln.team, ln.fact_id or 0))


def _rank(teams: list[str], lines: list[ScoreLine], facts: list[ChallengeFact]) -> list[Standing]:
    totals: dict[str, float] = dict.fromkeys(teams, 0.0)
    for line in lines:
        if line.team in totals:
            totals[line.team] += line.points
    at = {f.id: f.at for f in facts}
    last: dict[str, datetime] = {}
    solved: dict[str, list[str]] = defaultdict(list)
    for fact in facts:
        if fact.kind is FactKind.CHALLENGE_SOLVE:
            last[fact.team] = at[fact.id]
            solved[fact.team].append(fact.challenge)
    far = datetime.max
    order = sorted(totals, key=lambda t: (-totals[t], _naive(last.get(t)) or far, t))
    return [Standing(i + 1, t, totals[t], solved[t], last.get(t)) for i, t in enumerate(order)]


def _naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment is not None else None


def load_facts(engine: Engine, exercise_id: int, before_tick: int | None) -> list[ChallengeFact]:
    with engine.connect() as conn:
        return facts_on(conn, exercise_id, before_tick)


def facts_on(conn: Connection, exercise_id: int, before_tick: int | None = None
             ) -> list[ChallengeFact]:
    """The scored challenge facts (solves, hints) in id order, read on ``conn``."""
    c = FACT_TABLE.c
    query = (select(c.id, c.tick, c.kind, c.team, c.service, c.points, c.created_at, c.actor)
             .where(c.exercise_id == exercise_id,
                    c.kind.in_([FactKind.CHALLENGE_SOLVE, FactKind.CHALLENGE_HINT]))
             .order_by(c.id))
    if before_tick is not None:
        query = query.where(c.tick < before_tick)
    return [ChallengeFact(r.id, r.tick, r.kind, r.team or "", r.service or "",
                          float(r.points or 0.0), r.created_at, r.actor or "")
            for r in conn.execute(query)]


def visible_before(exercise: Exercise, scenario: Scenario, viewer_role: str) -> int | None:
    """The first tick a viewer may not see (freeze), None when they see all."""
    if viewer_role in FULL_VIEW_ROLES:
        return None
    start = freeze_tick(exercise, scenario)
    return start if start is not None and exercise.current_tick >= start else None


def challenge_board(engine: Engine, exercise_name: str, viewer_role: str = "white",
                    first_blood: float | None = None) -> ChallengeBoard:
    """The board as ``viewer_role`` sees it. ``first_blood`` replaces the scenario's
    bonus (what ``challenges rescore`` asks: the board under another bonus)."""
    exercise = load_exercise(engine, exercise_name)
    assert exercise.id is not None
    scenario = Scenario.model_validate(exercise.scenario)
    before = visible_before(exercise, scenario, viewer_role)
    teams = [t.name for t in load_teams(engine, exercise.id) if t.role not in NO_SCORE_ROLES]
    bonus = scenario.scoring.first_blood if first_blood is None else first_blood
    found = load_facts(engine, exercise.id, before)
    standings, stats, lines = score(load_challenges(engine, exercise.id), found, teams, bonus)
    return ChallengeBoard(exercise.name, before is not None, standings, stats, lines, found)
