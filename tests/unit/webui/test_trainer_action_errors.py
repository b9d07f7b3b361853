"""The trainer console turns the use cases' errors (records.actions) into messages:
a second hint is a flash, an unknown hint a 400; neither writes a fact or an entry."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.engine import Engine

from records import audit
from scoring.tables import Exercise
from tests.unit.webui.conftest import EXERCISE, logged_in, page_token

X = f"/x/{EXERCISE}"


def _hint(app: Flask, hint: str) -> tuple[int, str]:
    client = logged_in(app, "trainer")
    data = {"csrf_token": page_token(client), "team": "red", "hint": hint}
    response = client.post(f"{X}/console/hint", data=data, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def test_second_hint_is_refused_with_a_message(app: Flask, exercise: Exercise,
                                               engine: Engine) -> None:
    status, page = _hint(app, "sqli")
    assert status == 200 and "Hint sqli given to red." in page
    status, page = _hint(app, "sqli")
    assert status == 200 and "Team red already has hint sqli." in page
    status, _ = _hint(app, "no-such-hint")
    assert status == 400
    given = [e for e in audit.entries(engine, EXERCISE) if e.action == "hint.give"]
    assert len(given) == 1 and given[0].actor == "web:trainer"
