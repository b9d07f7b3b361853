"""User accounts of the web UI: roles, team membership, hashed passwords, API tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Table, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from range.db import DriverSQL
from range.errors import CyberrangeError, NotFoundError


class UserRole(StrEnum):
    ADMIN = "admin"
    WHITE = "white"  # trainer / white team
    RED = "red"
    BLUE = "blue"
    AUDITOR = "auditor"

    @property
    def has_team(self) -> bool:
        return self in (UserRole.RED, UserRole.BLUE)


class AccountError(CyberrangeError):
    """A user account cannot be created or changed as asked."""


def _now() -> datetime:
    return datetime.now(UTC)


class User(SQLModel, table=True):
    __tablename__ = "web_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, min_length=1, max_length=64)
    display_name: str = ""
    email: str = ""
    role: UserRole
    team: str | None = None  # team instance name (red, blue-1...) for red/blue users
    password_hash: str
    active: bool = True
    created_at: datetime = Field(default_factory=_now)


class ApiToken(SQLModel, table=True):
    """A team token for scripts; only its SHA-256 is stored."""

    __tablename__ = "web_api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(index=True, unique=True)
    user_id: int = Field(foreign_key="web_user.id")
    label: str = ""
    created_at: datetime = Field(default_factory=_now)


_hasher = PasswordHasher()  # stateless parameters object, safe to share


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AccountError("passwords need at least 8 characters")
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    engine: Engine,
    username: str,
    password: str,
    role: UserRole | str,
    team: str | None = None,
    display_name: str = "",
    email: str = "",
) -> User:
    role = UserRole(role)
    if role.has_team and not team:
        raise AccountError(f"a {role} user needs a team")
    if not role.has_team:
        team = None
    with Session(engine) as session:
        if session.exec(select(User).where(User.username == username)).first() is not None:
            raise AccountError(f"user {username!r} already exists")
        user = User(
            username=username,
            display_name=display_name or username,
            email=email,
            role=role,
            team=team,
            password_hash=hash_password(password),
        )
        session.add(user)
        session.commit()
        session.refresh(user)
        return user


def find_user(engine: Engine, username: str) -> User | None:
    with Session(engine) as session:
        return session.exec(select(User).where(User.username == username)).first()


def get_user(engine: Engine, user_id: int) -> User:
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"no user with id {user_id}")
        return user


def issue_token(engine: Engine, user: User, label: str = "") -> str:
    """A new API token for the user; the clear text is returned once, never stored."""
    token = "crt_" + secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    with Session(engine) as session:
        assert user.id is not None
        session.add(ApiToken(token_sha256=digest, user_id=user.id, label=label))
        session.commit()
    return token


# Rows already turned into users: an identical row gives the same (read-only) User.
UserCache = dict[tuple[Any, ...], "User"]
_CACHE_ROWS = 1024


def user_for_token(engine: Engine, token: str, cache: UserCache | None = None) -> User | None:
    """The active user holding the token, read afresh on every call (a deactivated
    user or a revoked token is refused at once). One joined query, run on the
    driver: scripts send a token with every request, and an ORM session per
    request would cost more than the work it authorizes. With `cache`, a row
    seen before (every column equal) gives back the User built from it."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    query = _token_query()
    found_rows = query.rows(engine, {"digest": digest})
    if not found_rows:
        return None
    row = found_rows[0]
    found = cache.get(row) if cache is not None else None
    if found is None:
        found = User(**dict(zip(_user_columns(), row, strict=True)))
        if cache is not None:
            if len(cache) >= _CACHE_ROWS:
                cache.clear()
            cache[row] = found
    return found if found.active else None


@functools.cache
def _token_query() -> DriverSQL:
    """Built once: constructing the statement costs as much as running it."""
    users, tokens = _table(User), _table(ApiToken)
    return DriverSQL(
        sa_select(*users.c)
        .join_from(tokens, users, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_sha256 == bindparam("digest"))
    )


@functools.cache
def _user_columns() -> tuple[str, ...]:
    return tuple(column.key for column in _table(User).c)


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table
