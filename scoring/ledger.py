"""The ledger: append-only records of what happened in an exercise.

Every function here inserts ``Fact`` rows; nothing is updated or deleted. A
correction is a new fact (an adjustment, an override) that refers to the old
one. Scores are computed from these facts by ``scoring.formulas``.

Points stored in ``Fact.points`` are signed effects on ``Fact.team``'s score
(a hint penalty of 5 is stored as -5).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from operator import itemgetter
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from range.errors import NotFoundError, RecordError
from range.scenario.models import Scenario
from scoring.tables import Exercise, Fact, FactKind, TeamEntry, utcnow

FACT_TABLE = Fact.__table__  # type: ignore[attr-defined]
# Points of any one fact: finite and bounded, so a board never holds NaN or
# Infinity (invalid JSON, ranked first) and the append-only ledger never keeps one.
MAX_POINTS = 1_000_000.0
# The checker protocol's statuses (scoring.checkers.status) plus FAUST's RECOVERING.
CHECK_STATUSES = ("OK", "RECOVERING", "CORRUPT", "MUMBLE", "DOWN", "CHECK_FAILED")


class EncodedJSON(str):
    """A ``Fact.data`` value already serialised to JSON text, inserted as is by
    :func:`insert_rows` (hot paths build small documents faster than json.dumps)."""

    __slots__ = ()


def json_text(value: str) -> str:
    """``value`` as a JSON string literal."""
    return encode_basestring_ascii(value)


@dataclass(frozen=True, slots=True)
class TeamInfo:
    name: str
    role: str
    copy: int


def load_exercise(engine: Engine, name: str) -> Exercise:
    """The exercise called ``name``; NotFoundError when there is none."""
    with Session(engine) as session:
        exercise = session.exec(orm_select(Exercise).where(col(Exercise.name) == name)).first()
        if exercise is None:
            raise NotFoundError(f"no exercise named {name!r}")
        session.expunge(exercise)
        return exercise


def load_teams(engine: Engine, exercise_id: int) -> list[TeamInfo]:
    """The team instances of one exercise, in creation order."""
    table = TeamEntry.__table__  # type: ignore[attr-defined]
    query = (
        select(table.c.name, table.c.role, table.c.copy_number)
        .where(table.c.exercise_id == exercise_id)
        .order_by(table.c.id)
    )
    with engine.connect() as conn:
        return [TeamInfo(r.name, r.role, r.copy_number) for r in conn.execute(query)]


def current_tick(conn: Connection, exercise_id: int) -> int:
    table = Exercise.__table__  # type: ignore[attr-defined]
    tick = conn.execute(
        select(table.c.current_tick).where(table.c.id == exercise_id)
    ).scalar_one_or_none()
    if tick is None:
        raise NotFoundError(f"no exercise with id {exercise_id}")
    return int(tick)


def fact_row(exercise_id: int, tick: int, kind: FactKind, **fields: Any) -> dict[str, Any]:
    """A complete row for ``Fact.__table__`` (every column present, for executemany)."""
    row: dict[str, Any] = {
        "exercise_id": exercise_id,
        "tick": tick,
        "kind": kind,
        "team": None,
        "target": None,
        "host": None,
        "service": None,
        "outcome": None,
        "points": None,
        "actor": None,
        "message": "",
        "data": {},
        "dedup_key": None,
        "created_at": utcnow(),
    }
    unknown = set(fields) - set(row)
    if unknown:
        raise RecordError(f"unknown fact fields: {sorted(unknown)}")
    if fields.get("points") is not None:
        check_points(fields["points"])
    row.update(fields)
    return row


def check_points(points: float, what: str = "points") -> float:
    """``points`` if finite and within ±MAX_POINTS; RecordError otherwise."""
    if not math.isfinite(points) or abs(points) > MAX_POINTS:
        raise RecordError(f"{what} must be a finite number between {-MAX_POINTS:g} "
                          f"and {MAX_POINTS:g}, not {points!r}")
    return points


def insert_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """executemany of complete fact rows (from :func:`fact_row`) on ``conn``.

    The statement is SQLAlchemy Core's insert into ``Fact.__table__`` compiled
    for the connection's dialect, and values go through SQLAlchemy's own bind
    processors (enum, JSON, datetime) — cached where values repeat. This skips
    Core's generic per-row parameter handling, which costs more than the
    database's insert itself when submissions record thousands of rows a second.
    """
    if not rows:
        return
    dialect = conn.dialect
    names = [c.name for c in FACT_TABLE.columns if c.name != "id"]
    # inline(): no RETURNING of the new ids, which executemany would discard anyway
    compiled = insert(FACT_TABLE).inline().compile(dialect=dialect, column_keys=names)
    order = list(compiled.positiontup) if compiled.positiontup else names
    special: list[tuple[int, Any, dict[Any, Any] | None]] = []
    for index, name in enumerate(order):
        column_type = FACT_TABLE.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            special.append((index, process, None if name == "data" else {}))
    columns: list[Sequence[Any]] = list(zip(*map(itemgetter(*order), rows), strict=True))
    for index, process, cache in special:
        columns[index] = _converted(columns[index], process, cache)
    params: list[Any] = list(zip(*columns, strict=True))
    if not compiled.positiontup:
        params = [dict(zip(order, values, strict=True)) for values in params]
    conn.exec_driver_sql(compiled.string, params)


def _converted(values: Sequence[Any], process: Any, cache: dict[Any, Any] | None) -> list[Any]:
    if cache is None:  # JSON: each value differs; text already encoded passes through
        return [v if v is None or v.__class__ is EncodedJSON else process(v) for v in values]
    for value in set(values) - set(cache):
        cache[value] = None if value is None else process(value)
    return [cache[v] for v in values]


def append(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    """Insert fact rows (from :func:`fact_row`) in one transaction."""
    if rows:
        with engine.begin() as conn:
            insert_rows(conn, rows)


def append_one(engine: Engine, row: dict[str, Any]) -> int:
    """Insert one fact row; its id."""
    with engine.begin() as conn:
        return insert_one(conn, row)


def insert_one(conn: Connection, row: dict[str, Any]) -> int:
    """Insert one fact row in the caller's transaction; its id."""
    result = conn.execute(insert(FACT_TABLE).values(**row))
    key = result.inserted_primary_key
    assert key is not None  # an INSERT always has one
    return int(key[0])


def _tick(engine: Engine, exercise: Exercise, tick: int | None) -> int:
    if tick is not None:
        return tick
    with engine.connect() as conn:
        return current_tick(conn, _id(exercise))


def _id(exercise: Exercise) -> int:
    if exercise.id is None:
        raise NotFoundError("exercise has not been saved")
    return exercise.id


def record_check(
    engine: Engine,
    exercise: Exercise,
    team: str,
    host: str,
    service: str,
    status: str,
    *,
    tick: int | None = None,
    message: str = "",
    actor: str = "scheduler",
) -> int:
    """A checker result for ``team``'s copy of ``host``/``service``."""
    if status.upper() not in CHECK_STATUSES:
        raise RecordError(f"unknown check status {status!r}; expected one of {CHECK_STATUSES}")
    status = status.upper()
    row = fact_row(
        _id(exercise),
        _tick(engine, exercise, tick),
        FactKind.CHECK,
        team=team,
        host=host,
        service=service,
        outcome=status,
        actor=actor,
        message=message,
    )
    return append_one(engine, row)


def record_red_action(
    engine: Engine,
    exercise: Exercise,
    team: str,
    target: str,
    host: str,
    technique: str,
    *,
    outcome: str = "success",
    tick: int | None = None,
    actor: str = "scheduler",
    message: str = "",
    points: float | None = None,
) -> int:
    """An attack step by ``team`` against ``target``'s copy of ``host`` (ATT&CK technique)."""
    row = fact_row(
        _id(exercise),
        _tick(engine, exercise, tick),
        FactKind.RED_ACTION,
        team=team,
        target=target,
        host=host,
        outcome=outcome,
        actor=actor,
        message=message,
        points=points,
        data={"technique": technique},
    )
    return append_one(engine, row)


def record_inject_grade(
    engine: Engine,
    exercise: Exercise,
    team: str,
    inject: str,
    points: float,
    *,
    actor: str,
    reason: str = "",
    tick: int | None = None,
) -> int:
    """A graded response of ``team`` to inject ``inject`` (white team)."""
    row = inject_grade_row(exercise, _tick(engine, exercise, tick), team, inject, points,
                           actor=actor, reason=reason)
    return append_one(engine, row)


def inject_grade_row(exercise: Exercise, tick: int, team: str, inject: str, points: float,
                     *, actor: str, reason: str = "") -> dict[str, Any]:
    """The INJECT_GRADE fact of :func:`record_inject_grade`."""
    return fact_row(_id(exercise), tick, FactKind.INJECT_GRADE, team=team, points=points,
                    actor=actor, message=reason, data={"inject": inject})


def record_hint(
    engine: Engine,
    exercise: Exercise,
    team: str,
    hint: str,
    penalty: float | None = None,
    *,
    actor: str,
    tick: int | None = None,
) -> int:
    """``team`` took hint ``hint`` (penalty: the scenario's unless given). Charged once
    per team and hint: a second take violates the dedup key (IntegrityError)."""
    if penalty is None:
        hints = {h.id: h.penalty for h in Scenario.model_validate(exercise.scenario).hints}
        if hint not in hints:
            raise RecordError(f"the scenario has no hint {hint!r}")
        penalty = hints[hint]
    row = hint_row(exercise, _tick(engine, exercise, tick), team, hint, penalty, actor=actor)
    return append_one(engine, row)


def hint_row(exercise: Exercise, tick: int, team: str, hint: str, penalty: float,
             *, actor: str) -> dict[str, Any]:
    """The HINT fact of :func:`record_hint`; its dedup key ``hint:<team>:<hint>`` (unique
    in the fact table) is what charges a hint once per team."""
    return fact_row(_id(exercise), tick, FactKind.HINT, team=team, points=-abs(penalty),
                    actor=actor, message=f"hint {hint}", data={"hint": hint},
                    dedup_key=f"hint:{team}:{hint}")


def record_adjustment(
    engine: Engine,
    exercise: Exercise,
    team: str,
    points: float,
    *,
    actor: str,
    reason: str,
    tick: int | None = None,
) -> int:
    """A manual score change; ``actor`` and ``reason`` are required for the audit trail."""
    row = adjustment_row(exercise, _tick(engine, exercise, tick), team, points, actor=actor,
                         reason=reason)
    return append_one(engine, row)


def adjustment_row(exercise: Exercise, tick: int, team: str, points: float,
                   *, actor: str, reason: str) -> dict[str, Any]:
    """The ADJUSTMENT fact of :func:`record_adjustment` (RecordError without a reason)."""
    if not actor or not reason.strip():
        raise RecordError("an adjustment needs an actor and a reason")
    return fact_row(_id(exercise), tick, FactKind.ADJUSTMENT, team=team, target=team,
                    points=points, actor=actor, message=reason)


def facts(
    engine: Engine,
    exercise_id: int,
    *,
    kinds: Iterable[FactKind] | None = None,
    team: str | None = None,
    ticks: tuple[int, int] | None = None,
) -> list[Fact]:
    """Facts of one exercise in insertion order, filtered by kind, team and tick range."""
    query = orm_select(Fact).where(col(Fact.exercise_id) == exercise_id)
    if kinds is not None:
        query = query.where(col(Fact.kind).in_(list(kinds)))
    if team is not None:
        query = query.where(col(Fact.team) == team)
    if ticks is not None:
        query = query.where(col(Fact.tick) >= ticks[0], col(Fact.tick) <= ticks[1])
    with Session(engine) as session:
        found = list(session.exec(query.order_by(col(Fact.id))))
        session.expunge_all()
        return found
