"""Database tables of the sharing feed.

``SharedObject`` is one entry of an exercise's feed: a STIX object as a team
published it, or as the ISAC relayed it (``relayed_from``). ``SharedReader``
lists the team instances that receive the entry (``*``: everyone), decided once
at publication by records.sharing.audience. Entries are append-only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from scoring.tables import utcnow


class SharedObject(SQLModel, table=True):
    __tablename__ = "shared_object"
    __table_args__ = (
        # The same version of an object shared twice by one team is stored once.
        UniqueConstraint("exercise_id", "publisher", "stix_id", "version"),
        Index("ix_shared_object_exercise_added", "exercise_id", "added"),
    )

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id")
    stix_id: str = Field(index=True)
    stix_type: str
    version: str = ""  # the object's `modified`; "" for cyber observables
    publisher: str  # team instance it is shared as
    actor: str  # username who published or relayed it
    tlp: str
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    relayed_from: int | None = Field(default=None, foreign_key="shared_object.id")
    tick: int = 0
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    added: datetime = Field(default_factory=utcnow)  # TAXII date_added


class SharedReader(SQLModel, table=True):
    __tablename__ = "shared_reader"
    __table_args__ = (Index("ix_shared_reader_team", "team", "shared_id"),)

    shared_id: int = Field(foreign_key="shared_object.id", primary_key=True)
    team: str = Field(primary_key=True)  # a team instance, or "*" for everyone


class SharedReceipt(SQLModel, table=True):
    """The answer to one publication (TAXII's status resource), kept for the caller."""

    __tablename__ = "shared_receipt"

    id: str = Field(primary_key=True)  # a UUID
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    actor: str
    created: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
