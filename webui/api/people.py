"""The caller, API tokens, and user administration (admins)."""

from __future__ import annotations

from typing import Any

from flask import g

from webui import credentials
from webui.accounts import User, create_user, get_user
from webui.api.account_models import NewToken, PasswordChange, PasswordReset
from webui.api.common import ALL_ROLES, caller, engine, record
from webui.api.models import UserBody, UserChange
from webui.api.registry import api_route
from webui.errors import ApiError
from webui.useradmin import all_users, set_team

ADMIN = frozenset({"admin"})


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "email": user.email, "role": str(user.role), "team": user.team,
            "active": user.active}


@api_route("GET", "/me", roles=ALL_ROLES, tag="accounts", summary="Show the caller",
           response="the authenticated user, and whether a token authenticated it")
def me() -> dict[str, Any]:
    return {**user_json(caller()), "via_token": bool(g.get("via_token"))}


def _session_only(what: str) -> None:
    if g.get("via_token"):
        # A leaked token must not be able to mint more tokens or change the password.
        raise ApiError(403, "session_required", f"{what} from a logged-in session")


@api_route("POST", "/tokens", roles=ALL_ROLES, body=NewToken, status=201, tag="accounts",
           summary="Issue an API token",
           response="the token, shown once (only its hash is stored), and its expiry")
def create_token(body: NewToken) -> dict[str, Any]:
    _session_only("tokens are issued")
    user = caller()
    token, info = credentials.issue(engine(), user.username, user.username, body.label,
                                    body.expires_days, via="api")
    return {"token": token, **info.json()}


@api_route("GET", "/tokens", roles=ALL_ROLES, tag="accounts", summary="List your API tokens",
           response="the caller's tokens, newest first (never the tokens themselves)")
def list_tokens() -> dict[str, Any]:
    return {"tokens": [t.json() for t in credentials.tokens_of(engine(), caller().username)]}


@api_route("DELETE", "/tokens/<int:token_id>", roles=ALL_ROLES, tag="accounts",
           summary="Revoke an API token",
           response="the token, revoked at once; admins may revoke anyone's")
def revoke_token(token_id: int) -> dict[str, Any]:
    me = caller()
    owner = None if str(me.role) == "admin" else me.username
    return credentials.revoke(engine(), me.username, token_id, owner, via="api").json()


@api_route("POST", "/me/password", roles=ALL_ROLES, body=PasswordChange, tag="accounts",
           summary="Change your password",
           response="done; every session of the account (this one too) has ended")
def change_own_password(body: PasswordChange) -> dict[str, Any]:
    _session_only("the password is changed")
    me = caller()
    credentials.change_password(engine(), me.username, body.current_password,
                                body.new_password, via="api")
    return {"username": me.username, "changed": True}


@api_route("GET", "/users/<int:user_id>/tokens", roles=ADMIN, tag="accounts",
           summary="List a user's API tokens", response="the user's tokens, newest first")
def user_tokens(user_id: int) -> dict[str, Any]:
    user = get_user(engine(), user_id)
    return {"tokens": [t.json() for t in credentials.tokens_of(engine(), user.username)]}


@api_route("PUT", "/users/<int:user_id>/password", roles=ADMIN, body=PasswordReset,
           tag="accounts", summary="Reset a user's password",
           response="done; the user is logged out everywhere")
def reset_password(user_id: int, body: PasswordReset) -> dict[str, Any]:
    user = get_user(engine(), user_id)
    credentials.reset_password(engine(), caller().username, user.username, body.password,
                               via="api")
    return {"username": user.username, "changed": True}


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
        record(None, "user.change", {"username": changed.username, "team": body.team})
    if body.active is not None:
        changed = credentials.set_active(engine(), caller().username,
                                         get_user(engine(), user_id).username, body.active,
                                         via="api")
    if changed is None:
        raise ApiError(422, "nothing_to_change", "send active and/or team")
    return user_json(changed)
