"""Challenges imported into an exercise: import (insert or update by name), read.

Import checks what one file alone cannot: that every prerequisite names a
challenge of the exercise — by name, or by number as ctfcli names CTFd ids: the
number N is the challenge imported Nth into the exercise (the id a fresh CTFd
gives it when ctfcli installs the same directories in the same order) —
and that prerequisites form no cycle. Problems are located in the file that
names them. One transaction: all challenges of a directory or none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from range.errors import NotFoundError, Problem
from scoring.challenges.loader import ChallengeError, LoadedChallenge
from scoring.challenges.spec import ChallengeSpec
from scoring.challenges.tables import Challenge, ChallengeFile, CompetitionRules
from scoring.ledger import load_exercise
from scoring.tables import Exercise

MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class StoredChallenge:
    id: int
    name: str
    position: int
    spec: ChallengeSpec
    raw: dict[str, Any]

    @property
    def number(self) -> int:
        """How an integer requirement names it (1-based import order)."""
        return self.position + 1


def numbers(challenges: Sequence[StoredChallenge]) -> dict[int, str]:
    return {c.number: c.name for c in challenges}


def _exercise_id(exercise: Exercise) -> int:
    if exercise.id is None:
        raise NotFoundError("exercise has not been saved")
    return exercise.id


def load_challenges(engine: Engine, exercise_id: int) -> list[StoredChallenge]:
    """The exercise's challenges in position order."""
    with Session(engine) as session:
        rows = session.exec(select(Challenge).where(col(Challenge.exercise_id) == exercise_id)
                            .order_by(col(Challenge.position), col(Challenge.id))).all()
        return [StoredChallenge(r.id or 0, r.name, r.position, ChallengeSpec.model_validate(r.raw),
                                dict(r.raw)) for r in rows]


def challenge_files(engine: Engine, challenge_id: int) -> dict[str, bytes]:
    with Session(engine) as session:
        rows = session.exec(select(ChallengeFile)
                            .where(col(ChallengeFile.challenge_id) == challenge_id)).all()
        return {r.path: r.content for r in rows}


def rules(engine: Engine, exercise_id: int) -> CompetitionRules:
    with Session(engine) as session:
        found = session.get(CompetitionRules, exercise_id)
        return found if found is not None else CompetitionRules(exercise_id=exercise_id)


def set_rules(engine: Engine, exercise_name: str, wrong_limit: int, window: int) -> None:
    exercise_id = _exercise_id(load_exercise(engine, exercise_name))
    with Session(engine) as session:
        found = session.get(CompetitionRules, exercise_id) or CompetitionRules(
            exercise_id=exercise_id)
        found.wrong_limit, found.wrong_window_seconds = max(0, wrong_limit), max(1, window)
        session.add(found)
        session.commit()


def import_challenges(engine: Engine, exercise_name: str, loaded: Sequence[LoadedChallenge],
                      actor: str) -> list[StoredChallenge]:
    """Insert new challenges, replace the definition of those with the same name."""
    exercise_id = _exercise_id(load_exercise(engine, exercise_name))
    existing = {c.name: c for c in load_challenges(engine, exercise_id)}
    ids = numbers(list(existing.values()))
    fresh = [item.spec.name for item in loaded if item.spec.name not in existing]
    ids.update({len(existing) + index + 1: name for index, name in enumerate(fresh)})
    names = set(existing) | {item.spec.name for item in loaded}
    graph = {name: c.spec.requirements.prerequisites for name, c in existing.items()}
    problems: list[Problem] = []
    for item in loaded:
        graph[item.spec.name] = item.spec.requirements.prerequisites
        problems += _requirement_problems(item, names, ids)
    problems += _cycle_problems(loaded, graph, ids)
    files = {item.spec.name: _read_files(item, problems) for item in loaded}
    if problems:
        raise ChallengeError(problems)
    with Session(engine) as session:
        position = len(existing)
        for item in loaded:
            row = session.exec(select(Challenge).where(
                col(Challenge.exercise_id) == exercise_id,
                col(Challenge.name) == item.spec.name)).first()
            if row is None:
                row = Challenge(exercise_id=exercise_id, name=item.spec.name, position=position,
                                raw=item.raw)
                position += 1
            row.raw, row.source, row.imported_by = item.raw, str(item.path), actor
            session.add(row)
            session.flush()
            session.execute(delete(ChallengeFile).where(
                col(ChallengeFile.challenge_id) == row.id))
            for relative, content in files[item.spec.name].items():
                session.add(ChallengeFile(challenge_id=row.id or 0, path=relative,
                                          sha256=hashlib.sha256(content).hexdigest(),
                                          content=content))
        session.commit()
    return load_challenges(engine, exercise_id)


def resolve_requirement(ref: str | int, ids: dict[int, str]) -> str | None:
    if isinstance(ref, int):
        return ids.get(ref)
    return ref


def _requirement_problems(item: LoadedChallenge, names: set[str],
                          ids: dict[int, str]) -> list[Problem]:
    problems = []
    nested = isinstance(item.raw.get("requirements"), dict)
    for index, ref in enumerate(item.spec.requirements.prerequisites):
        where = ("requirements", "prerequisites", index) if nested else ("requirements", index)
        name = resolve_requirement(ref, ids)
        if name is None or name not in names:
            problems.append(item.problem(where, f"prerequisite {ref!r} is no challenge of this "
                                         "exercise (import it first, or with this one)"))
        elif name == item.spec.name:
            problems.append(item.problem(where, "a challenge cannot require itself"))
    return problems


def _cycle_problems(loaded: Sequence[LoadedChallenge], graph: dict[str, list[str | int]],
                    ids: dict[int, str]) -> list[Problem]:
    problems = []
    for item in loaded:
        seen: set[str] = set()
        stack = [resolve_requirement(r, ids) for r in graph.get(item.spec.name, [])]
        while stack:
            name = stack.pop()
            if name is None or name in seen:
                continue
            if name == item.spec.name and seen:
                problems.append(item.problem(("requirements",),
                                             "prerequisites form a cycle: it could never open"))
                break
            seen.add(name)
            stack.extend(resolve_requirement(r, ids) for r in graph.get(name, []))
    return problems


def _read_files(item: LoadedChallenge, problems: list[Problem]) -> dict[str, bytes]:
    found = {}
    for index, relative in enumerate(item.spec.files):
        path = item.directory / relative
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(item.problem(("files", index),
                                         f"file larger than {MAX_FILE_BYTES} bytes"))
            continue
        found[relative] = path.read_bytes()
    return found
