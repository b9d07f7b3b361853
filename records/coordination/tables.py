"""Tables of coordination: threads, their parties, messages, attachments,
read receipts, and SITREPs.

A *party* is a team instance (``blue-1``), an organisation the scenario
declares (``cert-xy``) or the white cell (``white-cell``). Who may read a
thread is exactly its ``CoordParty`` rows (staff and auditors read all).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from records.tables import Tlp, new_uid
from scoring.tables import utcnow


class ThreadKind:
    MESSAGE = "message"
    RFI = "rfi"  # a request for information: the asked parties owe an answer by due_game


class CoordThread(SQLModel, table=True):
    """A conversation with a subject; an RFI also carries its due time in game seconds."""

    __tablename__ = "coord_thread"
    __table_args__ = (UniqueConstraint("exercise_id", "request_key"),)

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    uid: str = Field(default_factory=new_uid, unique=True)
    kind: str = ThreadKind.MESSAGE
    subject: str
    tlp: Tlp = Tlp.AMBER
    opened_by: str  # the party that opened it
    author: str  # the account that wrote it
    asked_game: float = 0.0  # game seconds when it was opened (RFI: when it was asked)
    due_game: float | None = None  # RFI: the answer is due at this game second
    points: int = 0  # RFI: most points a graded answer earns
    request_key: str | None = None  # "request:<index>:<team>" for scenario requests
    created_at: datetime = Field(default_factory=utcnow)


class CoordParty(SQLModel, table=True):
    __tablename__ = "coord_party"
    __table_args__ = (UniqueConstraint("thread_id", "party"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="coord_thread.id", index=True)
    party: str
    asked: bool = False  # RFI: this party owes the answer
    grade_fact_id: int | None = Field(default=None, foreign_key="fact.id")  # its graded answer


class CoordMessage(SQLModel, table=True):
    __tablename__ = "coord_message"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="coord_thread.id", index=True)
    sender: str  # party
    author: str  # account
    body: str
    tlp: Tlp = Tlp.AMBER
    game_at: float = 0.0  # game seconds when sent (answers are timed by it)
    created_at: datetime = Field(default_factory=utcnow)


class CoordAttachment(SQLModel, table=True):
    """An evidence file (records.evidence) attached to a message."""

    __tablename__ = "coord_attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="coord_message.id", index=True)
    evidence_id: int = Field(foreign_key="evidencefile.id", unique=True)


class CoordReceipt(SQLModel, table=True):
    """Who read a message, as which party, and when (the first time)."""

    __tablename__ = "coord_receipt"
    __table_args__ = (UniqueConstraint("message_id", "reader"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="coord_message.id", index=True)
    party: str
    reader: str
    read_at: datetime = Field(default_factory=utcnow)


class Sitrep(SQLModel, table=True):
    """A situation report on the template; ``slot`` k covers game time ((k-1)·every, k·every]."""

    __tablename__ = "coord_sitrep"

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    uid: str = Field(default_factory=new_uid, unique=True)
    team: str
    author: str
    slot: int = 0
    game_at: float = 0.0
    tlp: Tlp = Tlp.AMBER
    situation: str
    impact: str = ""
    actions: str = ""
    needs: str = ""
    outlook: str = ""
    scores: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    grader: str | None = None
    grade_fact_id: int | None = Field(default=None, foreign_key="fact.id")
    created_at: datetime = Field(default_factory=utcnow)
