"""A trainee's way through a training: start, answer, hints, solution, assessments.

Scoring (docs/training.md): a task solved scores its points minus the
penalties of the hints taken on it; a task whose solution was shown scores
0; a task whose attempts ran out scores 0 and the trainee moves on. An
assessment of kind ``test`` scores the points of its correct answers; a
questionnaire only records the answers. Every step is a TrainingEvent;
completing a level also moves the run's level pointer with a conditional
UPDATE in the same transaction, so a level completes exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from range.db import session_scope
from range.errors import GameError, NotFoundError
from scoring.flags import FlagCodec
from scoring.succession import range_exercise
from scoring.training.spec import (
    AssessmentLevel,
    ChoiceQuestion,
    FreeQuestion,
    InfoLevel,
    Level,
    TaskLevel,
    TrainingSpec,
)
from scoring.training.tables import TrainingDefinition, TrainingEvent, TrainingRun


class EventKind(StrEnum):
    STARTED = "started"  # the run began (level 0)
    WRONG = "answer_wrong"
    RIGHT = "answer_right"
    HINT = "hint"
    SOLUTION = "solution"
    FAILED = "level_failed"  # attempts ran out
    NEXT = "level_read"  # an info level was read
    ASSESSED = "assessed"
    FINISHED = "finished"


CLOSING = {EventKind.RIGHT, EventKind.FAILED, EventKind.NEXT, EventKind.ASSESSED}
L = TypeVar("L", TaskLevel, InfoLevel, AssessmentLevel)


@dataclass(frozen=True)
class Position:
    """Where a trainee stands, as pages and the CLI show it."""

    run: TrainingRun
    spec: TrainingSpec
    level: Level | None  # None once finished
    score: int
    hints_taken: tuple[int, ...]
    attempts: int
    solution_shown: bool

    @property
    def finished(self) -> bool:
        return self.level is None


def definition(engine: Engine, name: str) -> tuple[TrainingDefinition, TrainingSpec]:
    with Session(engine) as session:
        found = session.exec(select(TrainingDefinition).where(TrainingDefinition.name == name))
        row = found.first()
    if row is None:
        raise NotFoundError(f"no training {name!r}: import it with `cyberrange training import`")
    return row, TrainingSpec.model_validate(row.spec)


def start(engine: Engine, name: str, trainee: str, pool: str, sandbox: int) -> TrainingRun:
    """The trainee's run (created once; starting again returns it)."""
    row, _ = definition(engine, name)
    existing = _run(engine, row, trainee)
    if existing is not None:
        return existing
    with session_scope(engine) as session:
        run = TrainingRun(definition_id=row.id or 0, trainee=trainee, pool=pool, sandbox=sandbox)
        session.add(run)
        session.flush()
        session.add(TrainingEvent(run_id=run.id or 0, level=0, kind=EventKind.STARTED,
                                  detail={"pool": pool, "sandbox": sandbox}))  # fmt: skip
    found = _run(engine, row, trainee)
    assert found is not None
    return found


def position(engine: Engine, name: str, trainee: str) -> Position:
    row, spec = definition(engine, name)
    run = _run(engine, row, trainee)
    if run is None:
        raise NotFoundError(f"{trainee} has not started training {name}")
    events = _events(engine, run)
    here = [e for e in events if e.level == run.level]
    level = spec.levels[run.level] if run.level < len(spec.levels) else None
    return Position(
        run=run,
        spec=spec,
        level=level,
        score=sum(e.points for e in events),
        hints_taken=tuple(int(e.detail["hint"]) for e in here if e.kind == EventKind.HINT),
        attempts=sum(1 for e in here if e.kind in (EventKind.WRONG, EventKind.RIGHT)),
        solution_shown=any(e.kind == EventKind.SOLUTION for e in here),
    )


def answer(engine: Engine, name: str, trainee: str, text: str) -> tuple[bool, Position]:
    """Check a task's answer; right: the level closes with its score."""
    here = position(engine, name, trainee)
    level = _current(here, TaskLevel)
    correct = _matches(level, text.strip(), _flag(engine, here, level))
    detail = {"response": text[:500]}
    if correct:
        penalties = sum(level.hints[i].penalty for i in here.hints_taken)
        points = 0 if here.solution_shown else max(0, level.points - penalties)
        _close(engine, here, EventKind.RIGHT, points, detail)
    elif level.max_attempts is not None and here.attempts + 1 >= level.max_attempts:
        _record(engine, here, EventKind.WRONG, 0, detail)
        _close(engine, here, EventKind.FAILED, 0, {"attempts": here.attempts + 1})
    else:
        _record(engine, here, EventKind.WRONG, 0, detail)
    return correct, position(engine, name, trainee)


def take_hint(engine: Engine, name: str, trainee: str, index: int) -> tuple[str, bool]:
    """The hint's text, and whether it was new (a hint taken again costs nothing more)."""
    here = position(engine, name, trainee)
    level = _current(here, TaskLevel)
    if not 0 <= index < len(level.hints):
        raise NotFoundError(f"level {here.run.level + 1} has {len(level.hints)} hint(s), "
                            f"no hint {index + 1}")  # fmt: skip
    hint = level.hints[index]
    if index in here.hints_taken:
        return hint.content, False
    _record(engine, here, EventKind.HINT, 0, {"hint": index, "penalty": hint.penalty})
    return hint.content, True


def show_solution(engine: Engine, name: str, trainee: str) -> str:
    """The level's solution; the level then scores 0 when solved."""
    here = position(engine, name, trainee)
    level = _current(here, TaskLevel)
    if level.solution is None:
        raise GameError(f"level {here.run.level + 1} has no solution to show")
    if not here.solution_shown:
        _record(engine, here, EventKind.SOLUTION, 0, {})
    return level.solution.content


def read_on(engine: Engine, name: str, trainee: str) -> Position:
    """Leave an info level."""
    here = position(engine, name, trainee)
    _current(here, InfoLevel)
    _close(engine, here, EventKind.NEXT, 0, {})
    return position(engine, name, trainee)


def assess(engine: Engine, name: str, trainee: str, answers: list[Any]) -> Position:
    """Answer every question of an assessment at once (a list in question order)."""
    here = position(engine, name, trainee)
    level = _current(here, AssessmentLevel)
    if len(answers) != len(level.questions):
        raise GameError(f"the assessment has {len(level.questions)} questions, "
                        f"{len(answers)} answer(s) given")  # fmt: skip
    try:
        right = [_question_right(q, a) for q, a in zip(level.questions, answers, strict=True)]
    except (TypeError, ValueError, OverflowError):
        raise GameError("an answer has the wrong form: a list of choice numbers for a choice "
                        "question, a mapping for matching, text for a free one") from None
    points = sum(q.points for q, ok in zip(level.questions, right, strict=True) if ok)
    scored = points if level.kind == "test" else 0
    _close(engine, here, EventKind.ASSESSED, scored, {"answers": answers, "right": right})
    return position(engine, name, trainee)


def runs(engine: Engine, name: str) -> list[Position]:
    """Every trainee's position in the training (for the trainer)."""
    row, _ = definition(engine, name)
    with Session(engine) as session:
        trainees = session.exec(select(TrainingRun.trainee).where(
            TrainingRun.definition_id == row.id).order_by(col(TrainingRun.trainee))).all()
    return [position(engine, name, t) for t in trainees]


def events_of(engine: Engine, run: TrainingRun) -> list[TrainingEvent]:
    return _events(engine, run)


def _current(here: Position, kind: type[L]) -> L:
    if here.level is None:
        raise GameError(f"{here.run.trainee} has finished training {here.spec.name}")
    if not isinstance(here.level, kind):
        raise GameError(f"level {here.run.level + 1} ({here.level.title}) is a "
                        f"{here.level.type!r} level")  # fmt: skip
    return here.level


def _matches(level: TaskLevel, text: str, flag: str | None) -> bool:
    flags = re.IGNORECASE if level.case_insensitive else 0
    if level.answer_regex is not None:
        return re.fullmatch(level.answer_regex, text, flags) is not None
    expected = flag if level.flag is not None else level.answer
    assert expected is not None
    if level.case_insensitive:
        return text.casefold() == expected.casefold()
    return text == expected


def _flag(engine: Engine, here: Position, level: TaskLevel) -> str | None:
    """The objective flag planted in the trainee's own sandbox for a ``flag`` answer."""
    if level.flag is None:
        return None
    exercise = range_exercise(engine, here.run.pool)
    if exercise is None or exercise.id is None:
        raise GameError(f"pool {here.run.pool} has no exercise: its flags were never planted")
    slots: list[tuple[str, int]] = []
    scenario = exercise.scenario.get("hosts", {})
    for host_name, host in scenario.items():
        slots += [(host_name, i) for i in range(len(host.get("flags", [])))]
    slot = slots.index((level.flag.host, level.flag.index))
    return FlagCodec(exercise.secret, exercise.id).objective_flag(here.run.sandbox, slot)


def _question_right(question: Any, given: Any) -> bool:
    if isinstance(question, FreeQuestion):
        if not isinstance(given, str):
            raise TypeError("a free answer is text")
        text = given.strip().casefold()
        return not question.answers or text in {a.casefold() for a in question.answers}
    if isinstance(question, ChoiceQuestion):
        chosen = given if isinstance(given, list) else [given]
        if not all(type(i) is int and 0 <= i < len(question.choices) for i in chosen):
            raise ValueError("choices are numbers of the question's choices")
        return sorted(chosen) == sorted(question.correct)
    if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
        raise TypeError("a matching answer maps each statement to a text")
    return bool(given == question.pairs)


def _record(engine: Engine, here: Position, kind: EventKind, points: int,
            detail: dict[str, Any]) -> None:  # fmt: skip
    with session_scope(engine) as session:
        session.add(TrainingEvent(run_id=here.run.id or 0, level=here.run.level, kind=kind,
                                  points=points, detail=detail))  # fmt: skip


def _close(engine: Engine, here: Position, kind: EventKind, points: int,
           detail: dict[str, Any]) -> None:  # fmt: skip
    """The level's closing event and the move to the next level, or neither."""
    last = here.run.level + 1 >= len(here.spec.levels)
    values: dict[str, Any] = {"level": here.run.level + 1}
    if last:
        values["finished_at"] = datetime.now(UTC)
    with session_scope(engine) as session:
        moved = session.execute(
            update(TrainingRun)
            .where(col(TrainingRun.id) == here.run.id, col(TrainingRun.level) == here.run.level)
            .values(**values)
        )
        if not getattr(moved, "rowcount", 0):
            raise GameError(f"level {here.run.level + 1} is already done")
        session.add(TrainingEvent(run_id=here.run.id or 0, level=here.run.level, kind=kind,
                                  points=points, detail=detail))  # fmt: skip
        if last:
            session.add(TrainingEvent(run_id=here.run.id or 0, level=here.run.level + 1,
                                      kind=EventKind.FINISHED))  # fmt: skip


def _run(engine: Engine, row: TrainingDefinition, trainee: str) -> TrainingRun | None:
    with Session(engine) as session:
        return session.exec(select(TrainingRun).where(
            TrainingRun.definition_id == row.id, TrainingRun.trainee == trainee)).first()


def _events(engine: Engine, run: TrainingRun) -> list[TrainingEvent]:
    with Session(engine) as session:
        query = select(TrainingEvent).where(TrainingEvent.run_id == run.id)
        return list(session.exec(query.order_by(col(TrainingEvent.id))))
