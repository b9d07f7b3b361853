"""The caller, API tokens, and user administration (admins)."""

from __future__ import annotations

from typing import Any

from flask import g

from webui.accounts import User, create_user, issue_token
from webui.api.common import ALL_ROLES, caller, engine, record
from webui.api.models import TokenBody, UserBody, UserChange
from webui.api.registry import api_route
from webui.errors import ApiError
from webui.useradmin import all_users, set_active, set_team

ADMIN = frozenset({"admin"})


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "email": user.email, "role": str(user.role), "team": user.team,
            "active": user.active}


@api_route("GET", "/me", roles=ALL_ROLES, tag="accounts", summary="Show the caller",
           response="the authenticated user, and whether a token authenticated it")
def me() -> dict[str, Any]:
    return {**user_json(caller()), "via_token": bool(g.get("via_token"))}


@api_route("POST", "/tokens", roles=ALL_ROLES, body=TokenBody, status=201, tag="accounts",
           summary="Issue an API token",
           response="the token, shown once (only its hash is stored)")
def create_token(body: TokenBody) -> dict[str, Any]:
    if g.get("via_token"):
        # A leaked token must not be able to mint more tokens.
        raise ApiError(403, "session_required", "tokens are issued from a logged-in session")
    user = caller()
    token = issue_token(engine(), user, body.label)
    record(None, "token.issue", {"username": user.username, "label": body.label})
    return {"token": token, "username": user.username, "team": user.team, "label": body.label}


@api_route("GET", "/users", roles=ADMIN, tag="accounts", summary="List users",
           response="every account")
def list_users() -> dict[str, Any]:
    return {"users": [user_json(u) for u in all_users(engine())]}


@api_route("POST", "/users", roles=ADMIN, body=UserBody, status=201, tag="accounts",
           summary="Create a user", response="the new account")
def add_user(body: UserBody) -> dict[str, Any]:
    created = create_user(engine(), body.username, body.password, body.role, team=body.team,
                          display_name=body.display_name, email=body.email)
    record(None, "user.create", {"username": created.username, "role": str(created.role)})
    return user_json(created)


@api_route("PATCH", "/users/<int:user_id>", roles=ADMIN, body=UserChange, tag="accounts",
           summary="Change a user", response="the account after the change")
def change_user(user_id: int, body: UserChange) -> dict[str, Any]:
    if body.active is False and user_id == caller().id:
        raise ApiError(422, "self_deactivation", "you cannot deactivate your own account",
                       "active")
    changed: User | None = None
    if body.team is not None:
        changed = set_team(engine(), user_id, body.team)
    if body.active is not None:
        changed = set_active(engine(), user_id, body.active)
    if changed is None:
        raise ApiError(422, "nothing_to_change", "send active and/or team")
    record(None, "user.change", {"username": changed.username,
                                 **body.model_dump(exclude_none=True)})
    return user_json(changed)
