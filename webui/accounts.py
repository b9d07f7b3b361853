"""User accounts of the web UI: roles, team membership, hashed passwords, API tokens."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
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
from webui.passwords import password_problem


class UserRole(StrEnum):
    ADMIN = "admin"
    WHITE = "white"  # trainer / white team
    RED = "red"
    BLUE = "blue"
    AUDITOR = "auditor"
    ISAC = "isac"  # plays a scenario team with role isac (docs/sharing.md)

    @property
    def has_team(self) -> bool:
        return self in (UserRole.RED, UserRole.BLUE, UserRole.ISAC)


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
    """A token for scripts; only its SHA-256 is stored. It stops working at
    ``expires_at`` or once ``revoked_at`` is set (see webui.tokens)."""

    __tablename__ = "web_api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(index=True, unique=True)
    user_id: int = Field(foreign_key="web_user.id")
    label: str = ""
    created_at: datetime = Field(default_factory=_now)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


_hasher = PasswordHasher()  # stateless parameters object, safe to share
NAME_MAX = 64
_USERNAME = re.compile(r"[A-Za-z0-9_.@-]+")  # as records.participants takes them
TOKEN_DAYS = 90.0  # default lifetime of an API token


def hash_password(password: str, username: str = "") -> str:
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem)
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user is unknown, so both answers take as long."""
    return _hasher.hash(secrets.token_urlsafe(16))


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The active user with this username and password, or None. One argon2
    verification whatever the outcome: an unknown or inactive name costs as much
    time as a wrong password, so timing does not tell which names exist."""
    user = find_user(engine, username) if 0 < len(username) <= NAME_MAX else None
    if user is None:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_dummy_hash(), password)
        return None
    if not check_password(user, password):
        return None
    return user if user.active else None


def check_name(username: str) -> str:
    """The username, or AccountError when it is empty, too long or holds other
    characters than the exercise roster takes (letters, digits, _ . @ -)."""
    if not username or not username.strip():
        raise AccountError("a username is required")
    if len(username) > NAME_MAX:
        raise AccountError(f"usernames have at most {NAME_MAX} characters")
    if not _USERNAME.fullmatch(username):
        raise AccountError(f"invalid username {username!r} (letters, digits, _ . @ -)")
    return username


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
    try:
        role = UserRole(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r} (one of {', '.join(UserRole)})") from None
    check_name(username)
    if len(display_name) > 200 or len(email) > 200:
        raise AccountError("names and e-mail addresses have at most 200 characters")
    if team and not role.has_team:
        raise AccountError(f"a {role} user sees every exercise and has no team")
    if team and len(team) > NAME_MAX:
        raise AccountError(f"team names have at most {NAME_MAX} characters")
    if team and role.has_team and team_role(team) not in (None, role):
        raise AccountError(f"team {team!r} is a {team_role(team)} team, not for a {role} user")
    with Session(engine) as session:
        if session.exec(select(User).where(User.username == username)).first() is not None:
            raise AccountError(f"user {username!r} already exists")
        user = User(
            username=username,
            display_name=display_name or username,
            email=email,
            role=role,
            team=team,
            password_hash=hash_password(password, username),
        )
        session.add(user)
        session.commit()
        session.refresh(user)
        return user


def team_role(team: str) -> UserRole | None:
    """The role a team instance name tells by the bundled scenarios' naming (red,
    red-2, blue-1...); None when the name says nothing. Joining an exercise
    checks the real role of the team in its scenario (webui.membership)."""
    base = team.rsplit("-", 1)[0] if team.rsplit("-", 1)[-1].isdigit() else team
    return {"red": UserRole.RED, "blue": UserRole.BLUE}.get(base)


def find_user(engine: Engine, username: str) -> User | None:
    with Session(engine) as session:
        return session.exec(select(User).where(User.username == username)).first()


def get_user(engine: Engine, user_id: int) -> User:
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"no user with id {user_id}")
        return user


def issue_token(
    engine: Engine, user: User, label: str = "", days: float | None = TOKEN_DAYS
) -> str:
    """A new API token for the user, valid ``days`` (None: until revoked); the
    clear text is returned once, never stored."""
    token = "crt_" + secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    expires = _now() + timedelta(days=days) if days is not None else None
    with Session(engine) as session:
        assert user.id is not None
        session.add(ApiToken(token_sha256=digest, user_id=user.id, label=label[:200],
                             expires_at=expires))
        session.commit()
    return token


# Rows already turned into users: an identical row gives the same (read-only) User.
UserCache = dict[tuple[Any, ...], "User"]
_CACHE_ROWS = 1024


def user_for_token(engine: Engine, token: str, cache: UserCache | None = None) -> User | None:
    """The active user holding a live token (not revoked, not expired), read
    afresh on every call (a deactivated user or a revoked token is refused at
    once). One joined query, run on the driver: scripts send a token with every
    request, and an ORM session per request would cost more than the work it
    authorizes. With `cache`, a row seen before (every column equal) gives back
    the User built from it."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    query = _token_query()
    found_rows = query.rows(engine, {"digest": digest})
    if not found_rows:
        return None
    *columns, expires, revoked = found_rows[0]
    if revoked is not None or (expires is not None and _aware(expires) <= _now()):
        return None
    row = tuple(columns)
    found = cache.get(row) if cache is not None else None
    if found is None:
        found = User(**dict(zip(_user_columns(), row, strict=True)))
        if cache is not None:
            if len(cache) >= _CACHE_ROWS:
                cache.clear()
            cache[row] = found
    return found if found.active else None


def _aware(moment: datetime) -> datetime:
    """SQLite gives datetimes back without their zone; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@functools.cache
def _token_query() -> DriverSQL:
    """Built once: constructing the statement costs as much as running it."""
    users, tokens = _table(User), _table(ApiToken)
    return DriverSQL(
        sa_select(*users.c, tokens.c.expires_at, tokens.c.revoked_at)
        .join_from(tokens, users, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_sha256 == bindparam("digest"))
    )


@functools.cache
def _user_columns() -> tuple[str, ...]:
    return tuple(column.key for column in _table(User).c)


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table
