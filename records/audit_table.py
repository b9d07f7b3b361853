"""The audit log table: append-only, hash-chained per exercise."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

GLOBAL_CHAIN = ""  # chain of actions that belong to no exercise


class AuditEntry(SQLModel, table=True):
    """One action by one actor. ``hash`` covers every field and ``prev_hash``."""

    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(index=True)  # exercise name, or GLOBAL_CHAIN
    seq: int  # 1, 2, 3... within the chain
    at: str  # ISO 8601 UTC; kept as text so the hashed bytes never change
    actor: str  # "cli:alice", "web:bob", "scheduler"
    action: str  # "exercise.start", "finding.confirm"...
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str
    hash: str
