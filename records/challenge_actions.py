"""What a team does on challenges, written once for the pages, the API and the CLI:
each call writes its ledger facts and its audit entry in one transaction.

The rules are in :mod:`scoring.challenges.play`; this module opens the writing
transaction (``range.db.write_transaction``) and appends the audit entry on the
same connection (``records.audit.append_many_on``), so an answer is never
scored without its audit line, nor audited without being recorded.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from range.db import write_transaction
from range.errors import NotFoundError
from records.audit import append_many_on
from scoring.challenges.play import AttemptResult, Move, attempt, unlock_hint
from scoring.challenges.spec import HintSpec
from scoring.challenges.store import StoredChallenge, load_challenges, numbers, rules
from scoring.ledger import load_exercise, load_teams


def _move(engine: Engine, exercise_name: str, team: str, actor: str) -> Move:
    exercise = load_exercise(engine, exercise_name)
    assert exercise.id is not None
    if team not in {t.name for t in load_teams(engine, exercise.id)}:
        raise NotFoundError(f"no team {team!r} in {exercise_name!r}")
    return Move(exercise.id, exercise.name, exercise.state, team, actor)


def _find(engine: Engine, exercise_id: int,
          name: str) -> tuple[StoredChallenge, dict[int, str]]:
    challenges = load_challenges(engine, exercise_id)
    ids = numbers(challenges)
    for challenge in challenges:
        if challenge.name == name:
            return challenge, ids
    raise NotFoundError(f"no challenge {name!r}")


def submit_answer(engine: Engine, exercise_name: str, team: str, challenge: str, answer: str,
                  actor: str) -> AttemptResult:
    """``team``'s answer to ``challenge``, recorded and audited whatever it is."""
    move = _move(engine, exercise_name, team, actor)
    found, ids = _find(engine, move.exercise_id, challenge)
    limits = rules(engine, move.exercise_id)
    with write_transaction(engine) as conn:
        result, item = attempt(conn, move, found, answer, limits, ids)
        append_many_on(conn, exercise_name, [item])
    return result


def take_hint(engine: Engine, exercise_name: str, team: str, challenge: str, number: int,
              actor: str) -> HintSpec:
    """``team`` unlocks hint ``number`` (1-based) of ``challenge``; its cost is deducted."""
    move = _move(engine, exercise_name, team, actor)
    found, ids = _find(engine, move.exercise_id, challenge)
    with write_transaction(engine) as conn:
        hint, item = unlock_hint(conn, move, found, number - 1, ids)
        append_many_on(conn, exercise_name, [item])
    return hint
