"""The account lifecycle through the API and the account page: tokens expire,
are listed and revoked; passwords are changed with the old one or reset by an
admin, never to a short or common one; every step is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from records.audit import entries
from tests.unit.api.conftest import API, ApiWorld
from tests.unit.webui.conftest import PASSWORD, login, page_token
from webui.accounts import ApiToken, authenticate, find_user

NEW = "a brand new passphrase 9"


def _actions(world: ApiWorld) -> list[str]:
    return [e.action for e in entries(world.engine, None)]


def test_tokens_are_listed_revoked_and_expire(world: ApiWorld) -> None:
    client, csrf = world.session("blue1")
    headers = {"X-CSRFToken": csrf}
    made = client.post(f"{API}/tokens", json={"label": "ci", "expires_days": 1}, headers=headers)
    assert made.status_code == 201 and made.json is not None
    token, token_id = made.json["token"], made.json["id"]
    expires = datetime.fromisoformat(made.json["expires_at"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(days=1)
    script = {"Authorization": f"Bearer {token}"}
    me = world.app.test_client(use_cookies=False).get(f"{API}/me", headers=script)
    assert me.status_code == 200
    listed = client.get(f"{API}/tokens").json
    assert listed is not None
    assert [(t["id"], t["label"], t["live"]) for t in listed["tokens"]] == [(token_id, "ci", True)]
    assert "token" not in listed["tokens"][0]
    # Someone else's token is not theirs to revoke (and looks like no token at all).
    other, other_csrf = world.session("blue2")
    stolen = other.delete(f"{API}/tokens/{token_id}", headers={"X-CSRFToken": other_csrf})
    assert stolen.status_code == 404
    revoked = client.delete(f"{API}/tokens/{token_id}", headers=headers)
    assert revoked.status_code == 200 and revoked.json is not None
    assert revoked.json["live"] is False
    gone = world.app.test_client(use_cookies=False).get(f"{API}/me", headers=script)
    assert gone.status_code == 401
    # Expiry: a token past its date is refused like a revoked one.
    second = client.post(f"{API}/tokens", json={}, headers=headers).json
    assert second is not None
    with world.engine.begin() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == second["id"])
                     .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    late = world.app.test_client(use_cookies=False).get(
        f"{API}/me", headers={"Authorization": f"Bearer {second['token']}"})
    assert late.status_code == 401
    assert {"token.issue", "token.revoke"} <= set(_actions(world))


def test_token_lifetime_is_bounded(world: ApiWorld) -> None:
    client, csrf = world.session("blue1")
    for days in (0, -1, 367, "nan"):
        answer = client.post(f"{API}/tokens", json={"expires_days": days},
                             headers={"X-CSRFToken": csrf})
        assert answer.status_code == 422, days


def test_a_token_cannot_change_the_password_or_mint_tokens(world: ApiWorld) -> None:
    script = world.as_user("blue1")
    assert script.post(f"{API}/tokens", json={}).status_code == 403
    changed = script.post(f"{API}/me/password",
                          json={"current_password": PASSWORD, "new_password": NEW})
    assert changed.status_code == 403


def test_own_password_change_needs_the_old_one(world: ApiWorld) -> None:
    client, csrf = world.session("blue1")
    headers = {"X-CSRFToken": csrf}
    wrong = client.post(f"{API}/me/password", headers=headers,
                        json={"current_password": "not it at all", "new_password": NEW})
    assert wrong.status_code == 400
    for weak in ("short", "password123", "blue1", "iloveyou1"):
        refused = client.post(f"{API}/me/password", headers=headers,
                              json={"current_password": PASSWORD, "new_password": weak})
        assert refused.status_code == 400, weak
    done = client.post(f"{API}/me/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": NEW})
    assert done.status_code == 200
    assert client.get(f"{API}/me").status_code == 401  # this session ended too
    assert authenticate(world.engine, "blue1", NEW) is not None
    assert "user.password" in _actions(world)


def test_admin_resets_a_password(world: ApiWorld) -> None:
    victim, _ = world.session("blue2")
    user = find_user(world.engine, "blue2")
    assert user is not None
    admin = world.as_user("admin")
    short = admin.open("PUT", f"{API}/users/{user.id}/password", json={"password": "abc"})
    assert short.status_code == 400
    reset = admin.open("PUT", f"{API}/users/{user.id}/password", json={"password": NEW})
    assert reset.status_code == 200
    assert victim.get(f"{API}/me").status_code == 401
    assert authenticate(world.engine, "blue2", NEW) is not None
    assert "user.password-reset" in _actions(world)
    listed = admin.get(f"{API}/users/{user.id}/tokens")
    assert listed.status_code == 200


def test_account_page_issues_lists_and_revokes_tokens(world: ApiWorld) -> None:
    client = world.app.test_client()
    login(client, "redteam")
    token = page_token(client, "/account")
    issued = client.post("/account/tokens", data={"csrf_token": token, "label": "laptop",
                                                  "days": "30"})
    page = issued.get_data(as_text=True)
    assert issued.status_code == 200 and 'id="new-token">crt_' in page and "laptop" in page
    listed = client.get(f"{API}/tokens", headers={"X-CSRFToken": token}).json
    assert listed is not None
    token_id = listed["tokens"][0]["id"]
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert "revoked" in client.get("/account").get_data(as_text=True)
    wrong = client.post("/account/password", data={"csrf_token": token,
                                                   "current_password": "nope nope",
                                                   "new_password": NEW})
    assert wrong.status_code == 400 and "current password is wrong" in wrong.get_data(
        as_text=True)


def test_a_users_default_team_matches_its_role(world: ApiWorld) -> None:
    admin = world.as_user("admin")
    user = find_user(world.engine, "blue1")
    assert user is not None
    moved = admin.open("PATCH", f"{API}/users/{user.id}", json={"team": "red"})
    assert moved.status_code == 400 and "red team" in moved.get_data(as_text=True)
    made = admin.post(f"{API}/users", json={"username": "eve", "password": NEW,
                                            "role": "red", "team": "blue-2"})
    assert made.status_code == 400
    spaced = admin.post(f"{API}/users", json={"username": "eve smith", "password": NEW,
                                              "role": "white"})
    assert spaced.status_code == 400
