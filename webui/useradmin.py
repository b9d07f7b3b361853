"""Account changes made from the admin page (activate, deactivate, change team)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from range.errors import NotFoundError
from webui.accounts import AccountError, User, team_role


def all_users(engine: Engine) -> list[User]:
    with Session(engine) as session:
        return list(session.exec(select(User).order_by(col(User.role), col(User.username))))


def set_active(engine: Engine, user_id: int, active: bool) -> User:
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"no user with id {user_id}")
        user.active = active
        session.add(user)
        session.commit()
        session.refresh(user)
        return user


def set_team(engine: Engine, user_id: int, team: str) -> User:
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"no user with id {user_id}")
        if not user.role.has_team:
            raise AccountError(f"a {user.role} user has no team")
        if not team:
            raise AccountError("a team name is required")
        if team_role(team) not in (None, user.role):
            raise AccountError(f"team {team!r} is a {team_role(team)} team, "
                               f"not for a {user.role} user")
        user.team = team
        session.add(user)
        session.commit()
        session.refresh(user)
        return user


def teams(users: list[User]) -> dict[str, list[User]]:
    """Team instance name → its members."""
    found: dict[str, list[User]] = {}
    for user in users:
        if user.team:
            found.setdefault(user.team, []).append(user)
    return dict(sorted(found.items()))
