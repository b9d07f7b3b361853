"""Training definitions, trainees' runs and every level event (the training record).

A run's score and state are derived from its events; ``TrainingRun.level``
is the trainee's current level, moved only by a conditional UPDATE in the
same transaction as the event that completes a level, so a double submit
completes a level once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


class TrainingDefinition(SQLModel, table=True):
    __tablename__ = "training_definition"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=64)
    title: str = Field(max_length=200)
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    path: str = Field(max_length=1000)  # the definition file it was imported from
    scenario_path: str = Field(max_length=1000)
    imported_at: datetime = Field(default_factory=_now)


class TrainingRun(SQLModel, table=True):
    __tablename__ = "training_run"
    __table_args__ = (UniqueConstraint("definition_id", "trainee"),)

    id: int | None = Field(default=None, primary_key=True)
    definition_id: int = Field(foreign_key="training_definition.id", index=True)
    trainee: str = Field(max_length=64)
    pool: str = Field(max_length=64)
    sandbox: int  # the pool's copy the trainee works in
    level: int = 0  # current level (index); == number of levels when finished
    started_at: datetime = Field(default_factory=_now)
    finished_at: datetime | None = None


class TrainingEvent(SQLModel, table=True):
    __tablename__ = "training_event"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="training_run.id", index=True)
    level: int
    kind: str = Field(max_length=32)  # see scoring.training.play.EventKind
    points: int = 0  # what the event adds to the run's score
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=_now)
