"""Cache tables of the scoreboard: per-tick score snapshots.

Snapshots are derived data, never the truth: the ledger (``Fact``) is. A
snapshot holds the totals after one tick and the formula's small running state,
so the next tick's update starts from it instead of recomputing every fact.
They may be deleted at any time (``rescore --persist`` rebuilds them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from scoring.tables import Fact

_FACT = Fact.__table__  # type: ignore[attr-defined]
_ONLY_CHECKS = "kind = 'CHECK'"

# A full recompute sums every check of an exercise (one per team, service and
# tick: 250,000 rows in a 500-tick game). This partial covering index lets the
# database count them from the index alone; only CHECK facts are in it, so
# submissions and other facts pay nothing on insert. Queries that want it must
# say kind = 'CHECK' literally (see scoring.scoreboard).
CHECK_COUNTS_INDEX = Index(
    "ix_fact_check_counts",
    _FACT.c.exercise_id,
    _FACT.c.kind,
    _FACT.c.team,
    _FACT.c.host,
    _FACT.c.service,
    _FACT.c.outcome,
    _FACT.c.tick,
    sqlite_where=text(_ONLY_CHECKS),
    postgresql_where=text(_ONLY_CHECKS),
)


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
