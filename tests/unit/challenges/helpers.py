"""Shared set-up of the challenge tests: a running competition with challenges."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.engine import Engine

from range.config import Settings
from range.scenario import load
from records.participants import add_participant, assign
from scoring.challenges.loader import load_directory
from scoring.challenges.store import import_challenges
from scoring.clock import Clock
from scoring.exercise import create_exercise, get_exercise, transition
from scoring.tables import Exercise
from webui.accounts import create_user, issue_token
from webui.app import create_app

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).parent / "fixtures"
COMPETITION = ROOT / "challenges" / "competition.yaml"


def competition(engine: Engine, name: str = "ctf", *directories: Path) -> Exercise:
    """The bundled competition scenario (teams alpha, bravo, charlie; first blood 10),
    started at tick 1, with the challenges of ``directories`` imported in order."""
    scenario = load(COMPETITION, root=ROOT).scenario
    created = create_exercise(engine, name, name, scenario, str(COMPETITION))
    transition(engine, name, "start", "test")
    assert created.id is not None
    Clock(engine, created.id).poll()
    for directory in directories:
        import_challenges(engine, name, load_directory(directory), "test")
    return get_exercise(engine, name)


def set_tick(engine: Engine, exercise: Exercise, tick: int) -> None:
    """Move the game clock (what the clock does after that many ticks)."""
    table = Exercise.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == exercise.id).values(current_tick=tick))


PASSWORD = "correct horse battery"
# username → (role, team) of the competition's accounts
ACCOUNTS = {"ann": ("red", "alpha"), "amy": ("red", "alpha"), "bea": ("red", "bravo"),
            "trainer": ("white", None), "auditor": ("auditor", None)}


def web_app(settings: Settings, engine: Engine) -> tuple[Flask, dict[str, str]]:
    """A real app on the competition "ctf"'s database; an API token per account.
    Team accounts are on the exercise's roster (records.participants)."""
    tokens = {}
    for name, (role, team) in ACCOUNTS.items():
        user = create_user(engine, name, PASSWORD, role, team=team)
        tokens[name] = issue_token(engine, user, "tests")
        if team is not None:
            add_participant(engine, name)
            assign(engine, "ctf", name, team, role)
    return create_app(settings, engine, secure_cookies=False, testing=True), tokens


def logged_in(app: Flask, username: str) -> tuple[FlaskClient, str]:
    """A browser-like client with a session cookie, and the CSRF token of its forms."""
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client, _csrf(client.get("/").get_data(as_text=True))


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf[-_]token" (?:value|content)="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
