"""The API on a real app and SQLite database: one user per role, a running
dmz-breach exercise, and clients authenticated by token or by session cookie."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from werkzeug.test import TestResponse

from range.config import Settings
from scoring.flags import FlagCodec
from scoring.tables import Exercise
from tests.conftest import ROOT
from tests.unit.webui.conftest import EXERCISE, PASSWORD, USERS, login, make_exercise, page_token
from webui.accounts import User, find_user, hash_password, issue_token
from webui.app import create_app

API = "/api/v1"
X = f"{API}/exercises/{EXERCISE}"
# One user per role (usernames from the web tests' USERS).
ROLE_USER = {"admin": "admin", "white": "trainer", "red": "redteam", "blue": "blue1",
             "auditor": "auditor"}


class TokenClient:
    """A script's view of the API: a bearer token, no cookies, no CSRF token."""

    def __init__(self, app: Flask, token: str) -> None:
        self.client = app.test_client(use_cookies=False)
        self.headers = {"Authorization": f"Bearer {token}"}

    def open(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.open("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> TestResponse:
        return self.open("POST", url, **kwargs)


@dataclass
class ApiWorld:
    app: Flask
    engine: Engine
    settings: Settings
    exercise: Exercise
    tokens: dict[str, str] = field(default_factory=dict)  # username → token

    def as_user(self, username: str) -> TokenClient:
        if username not in self.tokens:
            user = find_user(self.engine, username)
            assert user is not None
            self.tokens[username] = issue_token(self.engine, user, "tests")
        return TokenClient(self.app, self.tokens[username])

    def as_role(self, role: str) -> TokenClient:
        return self.as_user(ROLE_USER[role])

    def session(self, username: str) -> tuple[FlaskClient, str]:
        """A browser-like client logged in with a cookie, and its CSRF token."""
        client = self.app.test_client()
        login(client, username)
        return client, page_token(client, "/login")

    def flag(self, copy: int, slot: int = 0, tick: int | None = None) -> str:
        """A genuine service flag of the blue copy ``copy``."""
        assert self.exercise.id is not None
        codec = FlagCodec(self.exercise.secret, self.exercise.id)
        return codec.service_flag(self.exercise.current_tick if tick is None else tick, copy, slot)


def add_users(engine: Engine, password_hash: str) -> None:
    """The USERS, all with PASSWORD. The hash is computed once per test session:
    argon2 is slow on purpose, and the accounts code has its own tests."""
    with Session(engine) as session:
        for name, (role, team) in USERS.items():
            session.add(User(username=name, display_name=name, role=role, team=team,
                             password_hash=password_hash))
        session.commit()


def build_world(data_dir: Path, password_hash: str, rate: float = 1e6) -> ApiWorld:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine

    import_all_tables()
    settings = Settings(data_dir=data_dir, root=ROOT)
    engine = open_engine(settings)
    add_users(engine, password_hash)
    found = make_exercise(engine)
    app = create_app(settings, engine, secure_cookies=False, testing=True)
    # Tests submit faster than a team may in a drill; the limiter has its own tests.
    app.extensions["cyberrange.submitters"].rate = rate
    app.extensions["cyberrange.submitters"].burst = rate
    return ApiWorld(app, engine, settings, found)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def world(tmp_path: Path, password_hash: str) -> Iterator[ApiWorld]:
    built = build_world(tmp_path / "data", password_hash)
    yield built
    built.engine.dispose()
