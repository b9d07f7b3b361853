"""Receipts of publications: what was stored, kept so the caller can ask again."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from range.errors import NotFoundError
from records.sharing.tables import SharedReceipt


def save_receipt(engine: Engine, exercise_id: int, actor: str, data: dict[str, Any]) -> str:
    receipt = SharedReceipt(id=str(uuid.uuid4()), exercise_id=exercise_id, actor=actor,
                            data=data)
    with Session(engine) as session:
        session.add(receipt)
        session.commit()
        return receipt.id


def load_receipt(engine: Engine, exercise_id: int, receipt_id: str,
                 actor: str | None) -> SharedReceipt:
    """The receipt (``actor`` None: any caller's, for staff); NotFoundError otherwise."""
    with Session(engine) as session:
        receipt = session.get(SharedReceipt, receipt_id)
        if receipt is None or receipt.exercise_id != exercise_id or (
                actor is not None and receipt.actor != actor):
            raise NotFoundError(f"no status {receipt_id!r}")
        session.expunge(receipt)
        return receipt
