from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.unit.webui.conftest import PASSWORD, csrf_from, login


def test_anonymous_is_sent_to_login(app: Flask) -> None:
    response = app.test_client().get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_with_right_password(app: Flask) -> None:
    client = app.test_client()
    login(client, "trainer")
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, trainer" in page


def test_wrong_password_is_refused(app: Flask) -> None:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "trainer", "password": "nope-nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_400(app: Flask) -> None:
    response = app.test_client().post(
        "/login", data={"username": "trainer", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400


def _try(client: FlaskClient, username: str, password: str, address: str) -> int:
    token = csrf_from(client.get("/login", environ_base={"REMOTE_ADDR": address})
                      .get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_failed_logins_are_throttled_per_account_and_address(app: Flask) -> None:
    guesser = app.test_client()
    codes = [_try(guesser, "blue1", "wrong-pass", "203.0.113.9") for _ in range(7)]
    assert codes == [401] * 5 + [429] * 2
    # The guesser's address is slowed down for this account, even with the right password...
    assert _try(guesser, "blue1", PASSWORD, "203.0.113.9") == 429
    # ...but the owner, from their own address, is not locked out.
    assert _try(app.test_client(), "blue1", PASSWORD, "198.51.100.7") == 302
    # And the guesser's address may still log in to another account.
    assert _try(app.test_client(), "blue2", PASSWORD, "203.0.113.9") == 302


def test_successful_logins_are_not_counted(app: Flask) -> None:
    codes = [_try(app.test_client(), "blue1", PASSWORD, "203.0.113.10") for _ in range(8)]
    assert codes == [302] * 8


def test_open_redirect_is_refused(app: Flask) -> None:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": "trainer", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_security_headers(app: Flask) -> None:
    response = app.test_client().get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
