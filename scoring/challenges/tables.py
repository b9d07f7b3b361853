"""Tables of challenges imported into an exercise.

A challenge's definition is stored as the ``challenge.yml`` data that was
imported (``raw``); scores are computed from the ledger's facts and these
definitions, so re-importing a changed value rescores every solve. Files are
stored with the challenge (teams download them; export writes them back).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from scoring.tables import Fact, utcnow

_FACT = Fact.__table__  # type: ignore[attr-defined]
# OR of equalities, not IN: SQLite uses a partial index only when one of its OR
# terms appears in the query's WHERE
_CHALLENGE_KINDS = ("kind = 'CHALLENGE_ATTEMPT' OR kind = 'CHALLENGE_SOLVE' "
                    "OR kind = 'CHALLENGE_HINT'")
_ATTEMPTS = "kind = 'CHALLENGE_ATTEMPT'"

# Partial indexes of the ledger for the reads of every answer (scoring.challenges.
# queries): only challenge facts are in them, so flag submissions and checks pay
# nothing on insert. Queries must say the kind literally to use them.
CHALLENGE_TEAM_INDEX = Index(
    "ix_fact_challenge_team", _FACT.c.exercise_id, _FACT.c.kind, _FACT.c.team,
    _FACT.c.service, _FACT.c.outcome,
    sqlite_where=text(_CHALLENGE_KINDS), postgresql_where=text(_CHALLENGE_KINDS),
)
CHALLENGE_ACCOUNT_INDEX = Index(
    "ix_fact_challenge_account", _FACT.c.exercise_id, _FACT.c.actor, _FACT.c.created_at,
    sqlite_where=text(_ATTEMPTS), postgresql_where=text(_ATTEMPTS),
)


class Challenge(SQLModel, table=True):
    __tablename__ = "challenge"
    __table_args__ = (UniqueConstraint("exercise_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    name: str
    position: int = 0  # import order: the order teams see
    raw: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    source: str = ""  # where it was imported from
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = ""


class ChallengeFile(SQLModel, table=True):
    __tablename__ = "challenge_file"
    __table_args__ = (UniqueConstraint("challenge_id", "path"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    path: str  # as written in challenge.yml's ``files``
    sha256: str
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CompetitionRules(SQLModel, table=True):
    """Per exercise: the wrong-answer limit of each account (CTFd's default: 10 a minute)."""

    __tablename__ = "competition_rules"

    exercise_id: int = Field(foreign_key="exercise.id", primary_key=True)
    wrong_limit: int = 10  # incorrect answers an account may give per window; 0: no limit
    wrong_window_seconds: int = 60
