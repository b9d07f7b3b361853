"""Who plays in which exercise: the members of an exercise (staff read, admins change)."""

from __future__ import annotations

from typing import Any

from webui import membership
from webui.api.account_models import MemberBody
from webui.api.common import STAFF, caller, engine, exercise, record
from webui.api.registry import api_route
from webui.errors import ApiError

ADMIN = frozenset({"admin"})
X = "/exercises/<ex>"


def member_json(member: membership.Member) -> dict[str, Any]:
    return {
        "username": member.username,
        "exercise": member.exercise,
        "team": member.team,
        "role": member.role,
    }


@api_route(
    "GET",
    f"{X}/members",
    roles=STAFF,
    tag="accounts",
    summary="List the members of an exercise",
    response="every red and blue account of the exercise with its team",
)
def list_members(ex: str) -> dict[str, Any]:
    found = exercise(ex)
    return {"members": [member_json(m) for m in membership.members(engine(), found.name)]}


@api_route(
    "PUT",
    f"{X}/members",
    roles=ADMIN,
    body=MemberBody,
    tag="accounts",
    summary="Add a member to an exercise",
    response="the membership (a member already there moves to the team)",
)
def put_member(ex: str, body: MemberBody) -> dict[str, Any]:
    found = exercise(ex)
    # The roster writes the audit entry (participant.assign).
    member = membership.join(
        engine(), body.username, found.name, body.team, actor=caller().username
    )
    return member_json(member)


@api_route(
    "DELETE",
    f"{X}/members/<username>",
    roles=ADMIN,
    tag="accounts",
    summary="Remove a member from an exercise",
    response="done; the account no longer sees the exercise",
)
def delete_member(ex: str, username: str) -> dict[str, Any]:
    found = exercise(ex)
    if not membership.leave(engine(), username, found.name):
        raise ApiError(404, "not_a_member", f"{username!r} is no member of {found.name!r}")
    record(found.name, "participant.unassign", {"username": username})
    return {"username": username, "exercise": found.name, "removed": True}
