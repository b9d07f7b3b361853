"""Server-side login sessions: the browser's cookie holds only a random key.

Flask-Login keeps the key in the (signed) Flask session; this table holds its
SHA-256, the user and the expiry. A session ends at once when its row goes:
logout deletes one row, a password change or a deactivation deletes every row
of the user (:func:`end_sessions`). Nothing derived from the password ever
reaches the client.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from webui.accounts import User


def _now() -> datetime:
    return datetime.now(UTC)


class LoginSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    key_sha256: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    created_at: datetime = Field(default_factory=_now)
    expires_at: datetime
    address: str = Field(default="", max_length=64)  # where the login came from


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def aware(moment: datetime) -> datetime:
    """SQLite gives datetimes back without their zone; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def open_session(engine: Engine, user: User, lifetime_seconds: float, address: str = "") -> str:
    """A new session of the user; returns its key (kept by the browser only)."""
    assert user.id is not None
    key = secrets.token_urlsafe(32)
    expires = _now() + timedelta(seconds=lifetime_seconds)
    with Session(engine) as session:
        session.add(
            LoginSession(
                key_sha256=_digest(key), user_id=user.id, expires_at=expires, address=address[:64]
            )
        )
        session.commit()
    return key


def user_for_session(engine: Engine, key: str) -> User | None:
    """The active user of a live session, or None (unknown, ended or expired)."""
    with Session(engine) as session:
        row = session.exec(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)  # type: ignore[arg-type]
            .where(LoginSession.key_sha256 == _digest(key))
        ).first()
        if row is None:
            return None
        login, user = row
        if aware(login.expires_at) <= _now() or not user.active:
            return None
        session.expunge(user)
        return user


def end_session(engine: Engine, key: str) -> None:
    with Session(engine) as session:
        session.exec(delete(LoginSession).where(col(LoginSession.key_sha256) == _digest(key)))
        session.commit()


def end_sessions(engine: Engine, user_id: int) -> int:
    """End every session of the user (password change, deactivation); how many ended."""
    with Session(engine) as session:
        result = session.exec(delete(LoginSession).where(col(LoginSession.user_id) == user_id))
        session.commit()
        return int(result.rowcount or 0)
