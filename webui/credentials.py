"""Account lifecycle actions: API tokens (issue, list, revoke), password change
and reset, activation. Pages, the API and the CLI call these; each writes its
change and its audit entry (global chain) in one transaction, so a change is
never made without its record. A password change, a reset and a deactivation
also end every login session of the account (webui.sessions).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from range.db import write_transaction
from range.errors import NotFoundError
from records.audit import append_many_on
from webui.accounts import (
    TOKEN_DAYS,
    AccountError,
    ApiToken,
    User,
    check_password,
    find_user,
    hash_password,
)
from webui.sessions import LoginSession, aware

MAX_TOKEN_DAYS = 366.0


@dataclass(frozen=True)
class TokenInfo:
    """A token as its owner and admins see it (never the token itself)."""

    id: int
    username: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @property
    def live(self) -> bool:
        now = datetime.now(UTC)
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "id": self.id,
            "username": self.username,
            "label": self.label,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
            "live": self.live,
        }


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _audit(conn: Connection, actor: str, action: str, details: dict[str, Any]) -> None:
    append_many_on(conn, None, [(actor, action, details)])


def _user(engine: Engine, username: str) -> User:
    user = find_user(engine, username)
    if user is None or user.id is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def issue(
    engine: Engine,
    actor: str,
    username: str,
    label: str = "",
    days: float | None = TOKEN_DAYS,
    via: str = "cli",
) -> tuple[str, TokenInfo]:
    """A new token of the user (shown once) and its listing entry."""
    if days is not None and not 0 < days <= MAX_TOKEN_DAYS:
        raise AccountError(f"a token lives between 0 and {MAX_TOKEN_DAYS:g} days")
    user = _user(engine, username)
    token = "crt_" + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires = now + timedelta(days=days) if days is not None else None
    with write_transaction(engine) as conn:
        token_id = conn.execute(
            insert(_table(ApiToken))
            .values(
                token_sha256=hashlib.sha256(token.encode()).hexdigest(),
                user_id=user.id,
                label=label[:200],
                created_at=now,
                expires_at=expires,
            )
            .returning(_table(ApiToken).c.id)
        ).scalar_one()
        _audit(
            conn,
            actor,
            "token.issue",
            {
                "username": username,
                "token_id": token_id,
                "label": label[:200],
                "via": via,
                "expires_at": expires.isoformat() if expires else None,
            },
        )
    return token, TokenInfo(token_id, username, label[:200], now, expires, None)


def tokens_of(engine: Engine, username: str | None = None) -> list[TokenInfo]:
    """The tokens of one user (or of everyone), newest first."""
    tokens, users = _table(ApiToken), _table(User)
    statement = (
        select(
            tokens.c.id,
            users.c.username,
            tokens.c.label,
            tokens.c.created_at,
            tokens.c.expires_at,
            tokens.c.revoked_at,
        )
        .join_from(tokens, users, tokens.c.user_id == users.c.id)
        .order_by(tokens.c.id.desc())
    )
    if username is not None:
        statement = statement.where(users.c.username == username)
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    return [
        TokenInfo(
            r.id,
            r.username,
            r.label,
            aware(r.created_at),
            aware(r.expires_at) if r.expires_at else None,
            aware(r.revoked_at) if r.revoked_at else None,
        )
        for r in rows
    ]


def revoke(
    engine: Engine, actor: str, token_id: int, owner: str | None = None, via: str = "cli"
) -> TokenInfo:
    """Revoke a token at once. With ``owner``, only a token of that user (a
    token of someone else is reported as missing, as one that does not exist)."""
    found = [t for t in tokens_of(engine, owner) if t.id == token_id]
    if not found:
        raise NotFoundError(f"no token {token_id}" + (f" of {owner!r}" if owner else ""))
    now = datetime.now(UTC)
    with write_transaction(engine) as conn:
        table = _table(ApiToken)
        conn.execute(
            update(table)
            .where(table.c.id == token_id, table.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        _audit(
            conn,
            actor,
            "token.revoke",
            {"username": found[0].username, "token_id": token_id, "via": via},
        )
    info = found[0]
    return TokenInfo(
        info.id, info.username, info.label, info.created_at, info.expires_at, info.revoked_at or now
    )


def _set_password(conn: Connection, user: User, new_password: str) -> int:
    """Store the new hash and end every session of the user; how many ended."""
    users, login = _table(User), _table(LoginSession)
    conn.execute(
        update(users)
        .where(users.c.id == user.id)
        .values(password_hash=hash_password(new_password, user.username))
    )
    return conn.execute(delete(login).where(login.c.user_id == user.id)).rowcount or 0


def change_password(
    engine: Engine, username: str, old_password: str, new_password: str, via: str = "web"
) -> None:
    """The user changes their own password, proving the old one."""
    user = _user(engine, username)
    if not check_password(user, old_password):
        raise AccountError("the current password is wrong")
    if old_password == new_password:
        raise AccountError("the new password must differ from the current one")
    with write_transaction(engine) as conn:
        ended = _set_password(conn, user, new_password)
        _audit(
            conn,
            username,
            "user.password",
            {"username": username, "via": via, "sessions_ended": ended},
        )


def reset_password(
    engine: Engine, actor: str, username: str, new_password: str, via: str = "cli"
) -> None:
    """An admin sets a new password for the user (who is logged out everywhere)."""
    user = _user(engine, username)
    with write_transaction(engine) as conn:
        ended = _set_password(conn, user, new_password)
        _audit(
            conn,
            actor,
            "user.password-reset",
            {"username": username, "via": via, "sessions_ended": ended},
        )


def set_active(engine: Engine, actor: str, username: str, active: bool, via: str = "cli") -> User:
    """(De)activate the account; deactivation ends its sessions at once (its
    tokens stop working too: a token of an inactive user is refused)."""
    user = _user(engine, username)
    users, login = _table(User), _table(LoginSession)
    with write_transaction(engine) as conn:
        conn.execute(update(users).where(users.c.id == user.id).values(active=active))
        ended = (
            0
            if active
            else conn.execute(delete(login).where(login.c.user_id == user.id)).rowcount or 0
        )
        _audit(
            conn,
            actor,
            "user.activate" if active else "user.deactivate",
            {"username": username, "via": via, "sessions_ended": ended},
        )
    return _user(engine, username)
