"""What every API module shares: the caller, the exercise, team scoping, auditing."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy.engine import Engine

from records import audit
from records.actions import Actor
from scoring.exercise import get_exercise
from scoring.ledger import load_teams
from scoring.roles import ALL_ROLES as ALL_ROLES  # the API modules import it from here
from scoring.roles import READ_ALL_ROLES, STAFF_ROLES
from scoring.tables import Exercise
from webui.accounts import User
from webui.app import web_context
from webui.errors import ApiError
from webui.membership import team_in

STAFF, READERS = STAFF_ROLES, READ_ALL_ROLES


def engine() -> Engine:
    return web_context().engine


def caller() -> User:
    """The authenticated user (the registry checked there is one)."""
    user: User | None = g.get("user")
    if user is None:
        raise ApiError(401, "unauthorized", "log in, or send 'Authorization: Bearer <token>'")
    return user


def reads_all() -> bool:
    return str(caller().role) in READERS


def exercise(name: str) -> Exercise:
    """The exercise (NotFoundError answers 404; the registry already answered 404
    to a participant who is no member of it)."""
    return get_exercise(engine(), name)


def team_names(found: Exercise) -> set[str]:
    assert found.id is not None
    return {t.name for t in load_teams(engine(), found.id)}


def own_team(found: Exercise) -> str:
    """The caller's team in this exercise (its membership); 403 without one."""
    team: str | None = g.get("member_team")
    if team is None or found.name != g.get("member_exercise"):
        team = team_in(engine(), caller(), found)
    if team is None:
        raise ApiError(403, "not_in_exercise", f"you play in no team of {found.name!r}")
    return team


def check_team(found: Exercise, team: str, field: str = "team") -> str:
    if team not in team_names(found):
        raise ApiError(422, "unknown_team", f"no team {team!r} in {found.name!r}", field)
    return team


def acting() -> Actor:
    """The caller as the actor of a use case (records.actions), audited as api:<user>."""
    name = caller().username
    return Actor(name, f"api:{name}", via="api")


def record(exercise_name: str | None, action: str, details: dict[str, Any]) -> None:
    """The audit entry of a change made through the API (actor: the username)."""
    audit.append(engine(), exercise_name, f"api:{caller().username}", action,
                 {**details, "via": "api"})
