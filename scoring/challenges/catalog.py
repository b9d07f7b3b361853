"""What every answer needs to know about a competition, read once: the exercise's id
and teams, its challenges (parsed), their numbers, the wrong-answer rules.

:func:`load_catalog` reads it fresh (the CLI does, once per command).
:class:`CatalogCache` keeps it for ``ttl`` seconds per exercise for a server that
answers hundreds of requests a second: a re-import or a rules change is seen
within ``ttl``. The exercise's *state* (running, paused…) is not in it: every
answer reads that inside its own transaction.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from range.errors import NotFoundError
from range.scenario.models import Scenario
from scoring.challenges.board import facts_on, score
from scoring.challenges.store import StoredChallenge, load_challenges, numbers, rules
from scoring.challenges.tables import CompetitionRules
from scoring.formulas.base import NO_SCORE_ROLES
from scoring.ledger import load_exercise, load_teams


@dataclass(frozen=True)
class Catalog:
    exercise_id: int
    exercise_name: str
    teams: frozenset[str]
    challenges: tuple[StoredChallenge, ...]
    ids: dict[int, str]  # number → name (how integer requirements name challenges)
    rules: CompetitionRules
    scored: tuple[str, ...] = ()  # the teams on the board (every role but white)
    first_blood: float = 0.0  # the scenario's bonus

    def score_of(self, conn: Connection, team: str) -> float:
        """``team``'s challenge score now (unfrozen), read on ``conn``."""
        standings, _, _ = score(list(self.challenges), facts_on(conn, self.exercise_id),
                                list(self.scored), self.first_blood)
        return next((s.score for s in standings if s.team == team), 0.0)

    def by_name(self, name: str) -> StoredChallenge:
        for challenge in self.challenges:
            if challenge.name == name:
                return challenge
        raise NotFoundError(f"no challenge {name!r}")

    def by_number(self, number: int) -> StoredChallenge:
        name = self.ids.get(number)
        if name is None:
            raise NotFoundError(f"no challenge {number}")
        return self.by_name(name)

    def check_team(self, team: str) -> str:
        if team not in self.teams:
            raise NotFoundError(f"no team {team!r} in {self.exercise_name!r}")
        return team


def load_catalog(engine: Engine, exercise_name: str) -> Catalog:
    exercise = load_exercise(engine, exercise_name)
    assert exercise.id is not None
    challenges = tuple(load_challenges(engine, exercise.id))
    teams = load_teams(engine, exercise.id)
    bonus = Scenario.model_validate(exercise.scenario).scoring.first_blood
    return Catalog(exercise.id, exercise.name, frozenset(t.name for t in teams), challenges,
                   numbers(challenges), rules(engine, exercise.id),
                   tuple(t.name for t in teams if t.role not in NO_SCORE_ROLES), bonus)


class CatalogCache:
    """Catalogs by exercise name, each kept ``ttl`` seconds (thread-safe)."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[float, Catalog]] = {}

    def get(self, engine: Engine, exercise_name: str) -> Catalog:
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(exercise_name)
        if kept is not None and now - kept[0] < self.ttl:
            return kept[1]
        catalog = load_catalog(engine, exercise_name)
        with self._lock:
            self._kept[exercise_name] = (now, catalog)
        return catalog
