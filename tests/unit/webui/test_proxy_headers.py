"""Behind the TLS proxy: X-Forwarded-For is believed only from configured
proxies, so the login throttle still tells users apart; HSTS when cookies are
secure; no cache keeps pages or API answers that carry team data."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from range.config import Settings
from tests.unit.webui.conftest import PASSWORD, csrf_from, logged_in
from webui.app import ProxySettings, create_app

PROXY = "10.0.0.2"


def _login(client: FlaskClient, username: str, password: str, forwarded_for: str) -> int:
    environ = {"REMOTE_ADDR": PROXY}
    headers = {"X-Forwarded-For": forwarded_for}
    page = client.get("/login", environ_base=environ, headers=headers)
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base=environ,
        headers=headers,
    ).status_code


def _app(settings: Settings, engine: Engine, proxies: int, secure: bool = False) -> Flask:
    return create_app(
        settings,
        engine,
        secure_cookies=secure,
        testing=True,
        proxy=ProxySettings(trusted_proxies=proxies),
    )


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(
    app: Flask, settings: Settings, engine: Engine
) -> None:
    proxied = _app(settings, engine, proxies=1)
    guesser = [
        _login(proxied.test_client(), "blue1", "wrong guess", "203.0.113.5") for _ in range(6)
    ]
    assert guesser[-1] == 429
    # The owner arrives through the same proxy from another address: not locked out.
    assert _login(proxied.test_client(), "blue1", PASSWORD, "198.51.100.20") == 302


def test_without_trusted_proxies_a_forged_header_changes_nothing(
    app: Flask, settings: Settings, engine: Engine
) -> None:
    direct = _app(settings, engine, proxies=0)
    codes = [_login(direct.test_client(), "blue1", "wrong guess", f"192.0.2.{n}") for n in range(7)]
    assert codes[5:] == [429, 429]  # one bucket: the peer address, whatever the header says


def test_hsts_only_with_secure_cookies(app: Flask, settings: Settings, engine: Engine) -> None:
    secure = _app(settings, engine, proxies=0, secure=True).test_client().get("/login")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = app.test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers


def test_team_data_is_never_cached(app: Flask, exercise: object) -> None:
    client = logged_in(app, "blue1")
    for path in (
        "/",
        "/x/drill/team",
        "/x/drill/scoreboard.json",
        "/api/v1/me",
        "/api/v1/exercises/drill/incidents",
        "/account",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.get("/api/v1/nowhere").headers["Cache-Control"] == "no-store"
    static = client.get("/static/app.css")
    static.close()
    assert static.headers.get("Cache-Control") != "no-store"
