"""A team's moves on challenges: answering, unlocking a hint. Facts in the ledger.

Every function here works inside the caller's writing transaction (``conn``)
and returns what to audit, so the facts and their audit entries commit together
(see records.challenge_actions). The steps of an answer follow CTFd's order:

1. the challenge must be visible to teams (state visible, ``scheduled_at`` past)
   — else NotFoundError, nothing recorded (its name is not disclosed);
2. the exercise must be running — else answer ``closed``;
3. every prerequisite solved by the team — else ``locked``;
4. not solved already — else ``already-solved``;
5. the account's wrong answers in the window under its limit — else ``rate-limited``;
6. the team's wrong answers under the challenge's ``attempts`` — else ``exhausted``;
7. compared with each flag: ``correct`` (a CHALLENGE_SOLVE fact) or ``incorrect``.

Every answer from step 2 on is one CHALLENGE_ATTEMPT fact. Exactly one solve
per team and challenge is held by the ledger's unique ``(exercise_id,
dedup_key)`` with ``dedup_key = solve:<team>:<challenge>``: of two concurrent
correct answers one inserts, the other is told ``already-solved``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from range.errors import GameError, NotFoundError
from scoring.challenges.queries import (
    hints_unlocked,
    insert_fact,
    solved_by,
    wrong_by_account,
    wrong_by_team,
)
from scoring.challenges.spec import ChallengeSpec, FlagSpec, HintSpec
from scoring.challenges.store import StoredChallenge
from scoring.challenges.tables import CompetitionRules
from scoring.ledger import fact_row
from scoring.tables import Exercise, ExerciseState, FactKind

MAX_ANSWER = 1000
EXERCISE = Exercise.__table__  # type: ignore[attr-defined]
AuditItem = tuple[str, str, dict[str, Any]]


class Outcome(StrEnum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    ALREADY_SOLVED = "already-solved"
    LOCKED = "locked"
    EXHAUSTED = "exhausted"
    RATE_LIMITED = "rate-limited"
    CLOSED = "closed"


@dataclass(frozen=True)
class Move:
    """Who does what: the exercise, the team and the account."""

    exercise_id: int
    exercise_name: str
    team: str
    actor: str  # the account (username), or "cli:<user>"


@dataclass(frozen=True)
class Clock:
    """The exercise's state and tick, read in the answer's own transaction."""

    state: ExerciseState
    tick: int


_CLOCK = select(EXERCISE.c.state, EXERCISE.c.current_tick).where(
    EXERCISE.c.id == bindparam("ex"))


def exercise_clock(conn: Connection, exercise_id: int) -> Clock:
    row = conn.execute(_CLOCK, {"ex": exercise_id}).first()
    if row is None:
        raise NotFoundError(f"no exercise with id {exercise_id}")
    state = row[0] if isinstance(row[0], ExerciseState) else ExerciseState(row[0])
    return Clock(state, int(row[1]))


@dataclass(frozen=True)
class AttemptResult:
    challenge: str
    outcome: Outcome
    message: str
    fact_id: int | None = None


def visible(spec: ChallengeSpec, now: datetime | None = None) -> bool:
    if spec.state != "visible":
        return False
    return spec.scheduled_at is None or spec.scheduled_at <= (now or datetime.now(UTC))


def matches(flag: FlagSpec, answer: str) -> bool:
    """CTFd's comparisons: static is exact (or case-folded), regex must match it all."""
    if flag.type == "regex":
        pattern = re.compile(flag.content, re.IGNORECASE if flag.case_insensitive else 0)
        return pattern.fullmatch(answer) is not None
    if flag.case_insensitive:
        return flag.content.lower() == answer.lower()
    return hmac.compare_digest(flag.content.encode(), answer.encode())


def missing_prerequisites(challenge: StoredChallenge, solved: set[str],
                          ids: dict[int, str]) -> list[str]:
    needed = [ids.get(r, str(r)) if isinstance(r, int) else r
              for r in challenge.spec.requirements.prerequisites]
    return [name for name in needed if name not in solved]


def attempt(conn: Connection, move: Move, challenge: StoredChallenge, answer: str,
            rules: CompetitionRules, ids: dict[int, str],
            clock: Clock | None = None) -> tuple[AttemptResult, AuditItem]:
    """One answer to ``challenge`` (steps 2-7 of the module docstring). ``clock``: the
    exercise's, when the caller read it in this transaction already (a group)."""
    if not visible(challenge.spec):
        raise NotFoundError(f"no challenge {challenge.name!r}")
    answer = answer.strip()[:MAX_ANSWER]
    if clock is None:
        clock = exercise_clock(conn, move.exercise_id)
    outcome, message = _judge(conn, move, challenge, answer, rules, ids, clock.state)
    tick = clock.tick
    data = {"challenge": challenge.name, "answer": answer}
    rows = [fact_row(move.exercise_id, tick, FactKind.CHALLENGE_ATTEMPT, team=move.team,
                     service=challenge.name, outcome=outcome.value, actor=move.actor,
                     message=message, data=data)]
    solve_id = None
    if outcome is Outcome.CORRECT:
        solve = fact_row(move.exercise_id, tick, FactKind.CHALLENGE_SOLVE, team=move.team,
                         service=challenge.name, outcome="solved", actor=move.actor,
                         data={"challenge": challenge.name},
                         dedup_key=f"solve:{move.team}:{challenge.name}")
        try:
            with conn.begin_nested():
                solve_id = insert_fact(conn, solve)
        except IntegrityError:
            outcome, message = Outcome.ALREADY_SOLVED, "your team has solved it already"
            rows[0].update(outcome=outcome.value, message=message)
    insert_fact(conn, rows[0])
    result = AttemptResult(challenge.name, outcome, message, solve_id)
    audit = (move.actor, "challenge.answer",
             {"team": move.team, "challenge": challenge.name, "outcome": outcome.value})
    return result, audit


def _judge(conn: Connection, move: Move, challenge: StoredChallenge, answer: str,
           rules: CompetitionRules, ids: dict[int, str],
           state: ExerciseState) -> tuple[Outcome, str]:
    if state is not ExerciseState.RUNNING:
        return Outcome.CLOSED, f"the competition is {state.value}, not running"
    solved = solved_by(conn, move.exercise_id, move.team)
    missing = missing_prerequisites(challenge, solved, ids)
    if missing:
        return Outcome.LOCKED, f"solve {', '.join(missing)} first"
    if challenge.name in solved:
        return Outcome.ALREADY_SOLVED, "your team has solved it already"
    since = datetime.now(UTC) - timedelta(seconds=rules.wrong_window_seconds)
    if rules.wrong_limit and wrong_by_account(conn, move.exercise_id, move.actor,
                                              since) >= rules.wrong_limit:
        return Outcome.RATE_LIMITED, (f"more than {rules.wrong_limit} wrong answers in "
                                      f"{rules.wrong_window_seconds} s: wait a little")
    allowed = challenge.spec.attempts
    wrong = wrong_by_team(conn, move.exercise_id, move.team, challenge.name) if allowed else 0
    if allowed and wrong >= allowed:
        return Outcome.EXHAUSTED, f"no attempts left ({allowed} allowed)"
    if any(matches(flag, answer) for flag in challenge.spec.flags):
        return Outcome.CORRECT, "correct"
    left = f"; {allowed - wrong - 1} attempt(s) left" if allowed else ""
    return Outcome.INCORRECT, f"incorrect{left}"


def unlock_hint(conn: Connection, move: Move, challenge: StoredChallenge, index: int,
                ids: dict[int, str], score: Callable[[], float]) -> tuple[HintSpec, AuditItem]:
    """The team unlocks hint ``index`` (0-based): its cost is a negative
    CHALLENGE_HINT fact, once per team and hint (``dedup_key chint:<team>:<challenge>:<i>``;
    a second unlock is refused with GameError and charges nothing). As in CTFd, a
    team whose score (``score()``, asked only for a paid hint) is below the cost
    cannot unlock it."""
    if not visible(challenge.spec):
        raise NotFoundError(f"no challenge {challenge.name!r}")
    hints = challenge.spec.hints
    if not 0 <= index < len(hints):
        raise NotFoundError(f"challenge {challenge.name!r} has no hint {index + 1}")
    clock = exercise_clock(conn, move.exercise_id)
    if clock.state is not ExerciseState.RUNNING:
        raise GameError(f"the competition is {clock.state.value}, not running")
    if missing_prerequisites(challenge, solved_by(conn, move.exercise_id, move.team), ids):
        raise GameError(f"challenge {challenge.name!r} is locked: solve its prerequisites first")
    hint = hints[index]
    unlocked = {i for name, i in hints_unlocked(conn, move.exercise_id, move.team)
                if name == challenge.name}
    if index in unlocked:
        raise GameError(f"hint {index + 1} of {challenge.name!r} is unlocked already")
    needed = _hint_requirements(hints, hint)
    if needed - unlocked:
        raise GameError(f"unlock hint(s) {', '.join(str(i + 1) for i in sorted(needed))} first")
    if hint.cost and score() < hint.cost:
        raise GameError(f"hint {index + 1} costs {hint.cost} points; your team has "
                        f"{score():g}")
    row = fact_row(move.exercise_id, clock.tick,
                   FactKind.CHALLENGE_HINT, team=move.team, service=challenge.name,
                   points=-float(hint.cost), actor=move.actor,
                   message=f"hint {index + 1} of {challenge.name}",
                   data={"challenge": challenge.name, "hint": index},
                   dedup_key=f"chint:{move.team}:{challenge.name}:{index}")
    try:
        with conn.begin_nested():
            insert_fact(conn, row)
    except IntegrityError:
        raise GameError(f"hint {index + 1} of {challenge.name!r} is unlocked already") from None
    audit = (move.actor, "challenge.hint",
             {"team": move.team, "challenge": challenge.name, "hint": index + 1,
              "cost": hint.cost})
    return hint, audit


def _hint_requirements(hints: list[HintSpec], hint: HintSpec) -> set[int]:
    """Indexes of the hints ``hint`` requires (ctfcli names them by key, title or number)."""
    found = set()
    for ref in hint.requirements:
        for index, other in enumerate(hints):
            if ref in (other.key, other.title) or ref == index + 1:
                found.add(index)
    return found
