"""A real app on a real SQLite database, with one user per role."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from range.config import Settings
from webui.accounts import UserRole, create_user
from webui.app import create_app

PASSWORD = "correct horse battery"
USERS = {
    "admin": (UserRole.ADMIN, None),
    "trainer": (UserRole.WHITE, None),
    "redteam": (UserRole.RED, "red"),
    "blue1": (UserRole.BLUE, "blue-1"),
    "blue2": (UserRole.BLUE, "blue-2"),
    "auditor": (UserRole.AUDITOR, None),
}


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Iterator[Flask]:
    for name, (role, team) in USERS.items():
        create_user(engine, name, PASSWORD, role, team=team)
    yield create_app(settings, engine, secure_cookies=False, testing=True)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
