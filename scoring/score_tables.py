"""Cache tables of the scoreboard: per-tick score snapshots.

Snapshots are derived data, never the truth: the ledger (``Fact``) is. A
snapshot holds the totals after one tick and the formula's small running state,
so the next tick's update starts from it instead of recomputing every fact.
They may be deleted at any time (``rescore --persist`` rebuilds them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class ScoreSnapshot(SQLModel, table=True):
    """Totals per team and category after ``tick`` under one formula and parameters."""

    __tablename__ = "score_snapshot"
    __table_args__ = (UniqueConstraint("exercise_id", "formula_key", "tick"),)

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    formula_key: str  # formula name and a hash of its parameters
    tick: int
    # Every fact with an id above this was unseen; one of them with tick <= ``tick``
    # (recorded late, e.g. a report dated in the past) makes this snapshot stale.
    max_fact_id: int = 0
    totals: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
