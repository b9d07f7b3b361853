"""Database tables of the game: exercises, their teams, and the ledger of facts.

The ledger is append-only: rows of ``Fact`` are inserted, never updated or
deleted. Scores are computed from facts (see scoring.formulas).

**Fact ids follow commit order.** The scoreboard's snapshots trust "every fact
with an id at or below the newest one I saw was already committed" (see
scoring.scoreboard). PostgreSQL assigns a serial id at INSERT, not at COMMIT,
so two writers could commit out of id order and a board computed in between
would miss the lower id forever. Every INSERT into ``fact`` on PostgreSQL
therefore first takes one transaction-scoped advisory lock
(:data:`FACT_ORDER_LOCK`), held until commit: fact-writing transactions take
their ids and commit one after another. The lock is taken by an engine event
(:func:`_fact_order_lock`), so every writer — Core, ORM, any module — takes it.
Lock order: a transaction that also appends audit entries inserts its facts
first (fact lock, then the audit chain's lock), as submissions and challenge
answers do. SQLite needs nothing: it has one writer at a time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class ExerciseState(StrEnum):
    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


class FactKind(StrEnum):
    SUBMISSION = "submission"  # every answer to a flag submission, accepted or not
    CAPTURE = "capture"  # an accepted flag (one per team and flag, enforced by dedup_key)
    CHECK = "check"  # a checker result for one service of one copy at one tick
    FLAG_PLACED = "flag_placed"  # a service flag put by the checker
    RED_ACTION = "red_action"  # an emulated or reported attack step, with its outcome
    REPORT_MATCH = "report_match"  # a blue incident report matched to a red action
    SHARE_MATCH = "share_match"  # a shared indicator matched to a red action (scoring.sharing)
    INJECT = "inject"  # an inject fired
    INJECT_GRADE = "inject_grade"  # a graded response to an inject
    HINT = "hint"  # a hint taken (penalty)
    ADJUSTMENT = "adjustment"  # manual score change, with actor and reason
    STATE = "state"  # exercise state change (start, pause, resume, stop)
    # Challenges (scoring.challenges): one per answer given, one per solve (dedup_key
    # "solve:<team>:<challenge>"), one per hint a team unlocks (its cost, negative).
    CHALLENGE_ATTEMPT = "challenge_attempt"
    CHALLENGE_SOLVE = "challenge_solve"
    CHALLENGE_HINT = "challenge_hint"


class Exercise(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)  # usually the range name
    range_name: str
    scenario_path: str
    scenario: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # snapshot
    state: ExerciseState = ExerciseState.CREATED
    secret: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    tick_seconds: int
    duration_seconds: int
    flag_lifetime: int
    formula: str = "faust"
    current_tick: int = 0
    started_at: datetime | None = None
    paused_at: datetime | None = None
    paused_seconds: float = 0.0  # total time spent paused, shifts the schedule
    finished_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class TeamEntry(SQLModel, table=True):
    """A team instance in one exercise: ``red``, ``blue-1``, ``blue-2``..."""

    __table_args__ = (UniqueConstraint("exercise_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    name: str
    role: str  # red | blue | purple | white
    copy_number: int = 0  # the copy this team defends; 0 when it defends none
    token_hash: str | None = None  # API token for scripts (hashed)


class Fact(SQLModel, table=True):
    """One thing that happened. Append-only."""

    __table_args__ = (
        UniqueConstraint("exercise_id", "dedup_key"),
        Index("ix_fact_exercise_kind_tick", "exercise_id", "kind", "tick"),
    )

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id")
    tick: int
    kind: FactKind
    team: str | None = None  # the acting team (attacker, reporter, checked team...)
    target: str | None = None  # the team affected (flag owner, adjusted team...)
    host: str | None = None
    service: str | None = None
    outcome: str | None = None  # submission answer, check status, action outcome
    points: float | None = None  # explicit points (adjustments, grades, hints)
    actor: str | None = None  # who caused it: user, "scheduler", "cli:<user>"
    message: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Set where a fact must be unique (e.g. "capture:<team>:<flag>"); the database
    # enforces it, which is what makes exactly one of many concurrent captures win.
    dedup_key: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class RateBucket(SQLModel, table=True):
    """A team's flag-submission token bucket, shared by every process that submits.

    ``tokens`` as of ``stamp`` (Unix seconds); refilled on read. One row per
    exercise and team, changed under the writer's row lock (PostgreSQL) or the
    database write lock (SQLite): see scoring.ratelimit.SharedRateLimiter.
    """

    __tablename__ = "rate_bucket"

    exercise_id: int = Field(foreign_key="exercise.id", primary_key=True)
    team: str = Field(primary_key=True)
    tokens: float
    stamp: float


FACT_ORDER_LOCK = 0x6372_6661_6374_0001  # "crfact" 1: the advisory lock key of fact inserts
_FACT_INSERT = "INSERT INTO fact "


@event.listens_for(Engine, "before_cursor_execute")
def _fact_order_lock(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
) -> None:
    """Before a fact INSERT on PostgreSQL: wait for the fact-order lock (see above)."""
    if statement.startswith(_FACT_INSERT) and conn.dialect.name == "postgresql":
        cursor.execute(f"SELECT pg_advisory_xact_lock({FACT_ORDER_LOCK})")
