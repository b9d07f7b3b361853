"""What a team sees of the challenges: one read model for the page, the API and the CLI.

A team sees visible challenges only (state visible, ``scheduled_at`` past).
A challenge whose prerequisites it has not solved is ``locked``; with
ctfcli's ``anonymize`` its name, description, files and hints are withheld
too (CTFd's anonymized challenge). A hint's text is shown once unlocked, or
when it costs nothing. Staff (``team=None``) see every challenge, hidden ones
included, and no team state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from range.errors import GameError, NotFoundError
from scoring.challenges.board import challenge_board
from scoring.challenges.play import missing_prerequisites, visible
from scoring.challenges.queries import hints_unlocked, solved_by, wrong_per_challenge
from scoring.challenges.store import StoredChallenge, challenge_files, load_challenges, numbers
from scoring.ledger import load_exercise

HIDDEN_NAME = "???"


def challenge_list(engine: Engine, exercise_name: str, team: str | None,
                   role: str) -> list[dict[str, Any]]:
    exercise = load_exercise(engine, exercise_name)
    assert exercise.id is not None
    challenges = load_challenges(engine, exercise.id)
    ids = numbers(challenges)
    stats = {c.name: c for c in challenge_board(engine, exercise_name, role).challenges}
    solved: set[str] = set()
    unlocked: set[tuple[str, int]] = set()
    wrong: dict[str, int] = {}
    if team is not None:
        with engine.connect() as conn:
            solved = solved_by(conn, exercise.id, team)
            unlocked = hints_unlocked(conn, exercise.id, team)
            wrong = wrong_per_challenge(conn, exercise.id, team)
    shown = []
    for challenge in challenges:
        if team is not None and not visible(challenge.spec):
            continue
        missing = missing_prerequisites(challenge, solved, ids) if team is not None else []
        stat = stats[challenge.name]
        shown.append(_entry(challenge, stat.value, stat.solves, challenge.name in solved,
                            missing, {i for n, i in unlocked if n == challenge.name},
                            wrong.get(challenge.name, 0), staff=team is None))
    return shown


def _entry(challenge: StoredChallenge, value: int, solves: int, solved: bool,
           missing: list[str], unlocked: set[int], wrong: int, staff: bool) -> dict[str, Any]:
    spec = challenge.spec
    anonymous = bool(missing) and spec.requirements.anonymize
    entry: dict[str, Any] = {
        "number": challenge.number,
        "name": HIDDEN_NAME if anonymous else spec.name,
        "category": HIDDEN_NAME if anonymous else spec.category,
        "type": spec.type,
        "value": value,
        "solves": solves,
        "solved": solved,
        "locked": bool(missing),
        "requires": missing,
        "description": "" if anonymous else spec.description,
        "connection_info": None if missing else spec.connection_info,
        "tags": [] if anonymous else spec.tags,
        "files": [] if missing else list(spec.files),
        "attempts": spec.attempts,
        "attempts_left": max(spec.attempts - wrong, 0) if spec.attempts else None,
        "hints": [] if anonymous else [
            {"number": i + 1, "title": h.title, "cost": h.cost,
             "unlocked": i in unlocked or h.cost == 0,
             "content": h.content if staff or i in unlocked or h.cost == 0 else None}
            for i, h in enumerate(spec.hints)
        ],
    }
    if staff:
        entry["state"] = spec.state
    return entry


def find_by_number(engine: Engine, exercise_id: int, number: int) -> StoredChallenge | None:
    for challenge in load_challenges(engine, exercise_id):
        if challenge.number == number:
            return challenge
    return None


def team_file(engine: Engine, exercise_name: str, team: str | None, number: int,
              index: int) -> tuple[str, bytes]:
    """File ``index`` of challenge ``number`` (its path and content), as ``team`` may
    download it (staff: ``None``)."""
    exercise = load_exercise(engine, exercise_name)
    assert exercise.id is not None
    challenge = find_by_number(engine, exercise.id, number)
    if challenge is None or (team is not None and not visible(challenge.spec)):
        raise NotFoundError(f"no challenge {number}")
    if team is not None:
        with engine.connect() as conn:
            solved = solved_by(conn, exercise.id, team)
        if missing_prerequisites(challenge, solved, numbers(load_challenges(engine,
                                                                            exercise.id))):
            raise GameError("this challenge is locked: solve its prerequisites first")
    files = challenge_files(engine, challenge.id)
    paths = challenge.spec.files
    if not 0 <= index < len(paths) or paths[index] not in files:
        raise NotFoundError(f"challenge {number} has no file {index}")
    return paths[index], files[paths[index]]
