from __future__ import annotations

from flask import Flask

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


def test_login_is_rate_limited(app: Flask) -> None:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    codes = [
        client.post(
            "/login", data={"username": "blue1", "password": "wrong-pass", "csrf_token": token}
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]


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
