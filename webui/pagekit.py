"""Small helpers every page module shares: the current user, the exercise, auditing."""

from __future__ import annotations

import math
from typing import Any

from flask import abort, g

from range.scenario.models import Scenario
from records import audit
from records.actions import Actor
from scoring import roles
from scoring.exercise import get_exercise
from scoring.ledger import MAX_POINTS, TeamInfo, load_teams
from scoring.tables import Exercise
from webui.accounts import User, UserRole
from webui.app import web_context
from webui.auth import current_user
from webui.inputs import MAX_ID
from webui.membership import team_in

# scoring.roles, as UserRole values for ``require``
TEAM_ROLES = tuple(r for r in UserRole if r in roles.TEAM_ROLES)
STAFF_ROLES = tuple(r for r in UserRole if r in roles.STAFF_ROLES)
READ_ALL_ROLES = tuple(r for r in UserRole if r in roles.READ_ALL_ROLES)


def user() -> User:
    """The logged-in user (views are guarded by ``require``, so there is one)."""
    found = current_user()
    if found is None:
        abort(401)
    return found


def exercise(name: str) -> Exercise:
    """The exercise called ``name``; NotFoundError (404 page) when there is none.
    (``require`` already answered 404 to a participant who is no member of it.)"""
    return get_exercise(web_context().engine, name)


def scenario_of(found: Exercise) -> Scenario:
    return Scenario.model_validate(found.scenario)


def teams_of(found: Exercise) -> list[TeamInfo]:
    assert found.id is not None
    return load_teams(web_context().engine, found.id)


def own_team(found: Exercise) -> str:
    """The team a red/blue user plays in this exercise (its membership); 403 without one."""
    team: str | None = g.get("member_team")
    if team is None or found.name != g.get("member_exercise"):
        team = team_in(web_context().engine, user(), found)
    if team is None:
        abort(403, description=f"you play in no team of {found.name!r}")
    return team


def acting() -> Actor:
    """The logged-in user as the actor of a use case (records.actions), audited as web:<user>."""
    name = user().username
    return Actor(name, f"web:{name}", via="web")


def record_action(exercise_name: str | None, action: str, details: dict[str, Any]) -> None:
    """Append an audit entry for a change made through the web pages."""
    details = {**details, "via": "web"}
    audit.append(web_context().engine, exercise_name, f"web:{user().username}", action, details)


def form_text(form: Any, key: str, limit: int = 10_000) -> str:
    return str(form.get(key, "")).strip()[:limit]


def form_float(form: Any, key: str, bound: float = MAX_POINTS) -> float:
    """A finite number within ±``bound`` (NaN and Infinity are refused: 400)."""
    text = str(form.get(key, "")).strip()
    try:
        value = float(text)
    except ValueError:
        abort(400, description=f"{key} must be a number")
    if not math.isfinite(value) or abs(value) > bound:
        abort(400, description=f"{key} must be a finite number between {-bound:g} and {bound:g}")
    return value


def form_id(form: Any, key: str) -> int:
    """A record id: a positive integer that fits the database (400 otherwise)."""
    text = str(form.get(key, "")).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        abort(400, description=f"{key} must be a record id (a positive integer)")
    return int(text)
