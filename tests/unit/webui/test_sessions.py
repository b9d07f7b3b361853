"""Login sessions live on the server: logout, a password change and a
deactivation end them at once, and the cookie carries nothing derived from the
password. The login answers the same way (one argon2 verification) whoever
asks, and only ever redirects to a path of this site."""

from __future__ import annotations

from typing import Literal

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.unit.webui.conftest import PASSWORD, csrf_from, logged_in, login, page_token
from webui import accounts, credentials
from webui.accounts import authenticate, find_user
from webui.auth import safe_next

NEW_PASSWORD = "a much longer passphrase 42"


def _cookie(client: FlaskClient) -> str:
    found = client.get_cookie("cyberrange_session")
    assert found is not None, "no session cookie"
    return found.value


def _with_cookie(app: Flask, value: str) -> FlaskClient:
    """Another browser that was handed a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("cyberrange_session", value)
    return thief


def _logged_in_page(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def test_a_cookie_copied_before_logout_is_dead_after_it(app: Flask) -> None:
    client = logged_in(app, "blue1")
    copied = _cookie(client)
    assert _logged_in_page(_with_cookie(app, copied))
    client.post("/logout", data={"csrf_token": page_token(client)})
    assert not _logged_in_page(_with_cookie(app, copied))
    assert not _logged_in_page(client)


def test_a_password_change_ends_every_session(app: Flask, engine: Engine) -> None:
    laptop, phone = logged_in(app, "blue1"), logged_in(app, "blue1")
    response = laptop.post("/account/password", data={
        "csrf_token": page_token(laptop, "/account"), "current_password": PASSWORD,
        "new_password": NEW_PASSWORD})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not _logged_in_page(phone) and not _logged_in_page(laptop)
    login(app.test_client(), "blue1", NEW_PASSWORD)


def test_deactivation_ends_sessions_and_tokens_at_once(app: Flask, engine: Engine) -> None:
    victim = logged_in(app, "blue1")
    user = find_user(engine, "blue1")
    assert user is not None
    token, _ = credentials.issue(engine, "admin", "blue1", "script")
    admin = logged_in(app, "admin")
    admin.post(f"/admin/users/{user.id}/active",
               data={"csrf_token": page_token(admin, "/admin"), "active": "0"})
    assert not _logged_in_page(victim)
    answer = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_the_cookie_holds_nothing_derived_from_the_password(app: Flask, engine: Engine) -> None:
    client = logged_in(app, "trainer")
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    content = serializer.loads(_cookie(client))
    user = find_user(engine, "trainer")
    assert user is not None
    digest = user.password_hash.rsplit("$", 1)[-1]
    for value in content.values():
        text = str(value)
        assert not any(digest[i:i + 8] in text for i in range(0, len(digest) - 8)), content
        assert text not in user.password_hash
    assert "pw" not in content


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting its verifications."""

    calls = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        CountingHasher.calls += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("username", ["nobody", "trainer", "", "x" * 65])
def test_every_failed_login_costs_one_argon2_verification(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, username: str
) -> None:
    from tests.unit.webui.conftest import USERS
    from webui.accounts import create_user

    for name, (role, team) in USERS.items():
        create_user(engine, name, PASSWORD, role, team=team)
    monkeypatch.setattr(accounts, "_hasher", CountingHasher())
    CountingHasher.calls = 0
    assert authenticate(engine, username, "wrong password") is None
    assert CountingHasher.calls == 1


@pytest.mark.parametrize("target", [
    "/\t/evil.example", "/%09/evil.example", "//evil.example", "/\\evil.example",
    "https://evil.example/", "/\n/evil.example", " /evil", "/\x7f/x", "javascript:alert(1)",
])
def test_next_never_leaves_the_site(app: Flask, target: str) -> None:
    with app.test_request_context():
        assert safe_next(target.replace("%09", "\t")) == "/"


def test_login_redirect_with_a_tab_in_next_stays_home(app: Flask) -> None:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=/%09/evil.example",
                           data={"username": "trainer", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/"
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    kept = client.post("/login?next=/admin%3Fx%3D1",
                       data={"username": "trainer", "password": PASSWORD, "csrf_token": token})
    assert kept.headers["Location"] == "/admin?x=1"
