"""The coordination pages on a real app: a thread between a team and an
organisation the white cell plays, a refusal shown on the page with nothing
stored, SITREPs filed and graded, and the white cell's list of late and
missing answers."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from records.coordination.tables import CoordThread, Sitrep
from scoring.ledger import facts
from scoring.tables import Exercise, FactKind
from tests.unit.coordination.coord_world import EXERCISE, advance, make_coord_exercise
from tests.unit.webui.conftest import enrol_default_teams, logged_in, page_token

X = f"/x/{EXERCISE}"


@pytest.fixture
def drill(app: Flask, engine: Engine) -> Exercise:
    found = make_coord_exercise(engine)
    enrol_default_teams(engine, EXERCISE)
    return found


def threads(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(CoordThread)).one()


def test_a_thread_from_an_organisation_to_a_team(app: Flask, engine: Engine,
                                                 drill: Exercise) -> None:
    white = logged_in(app, "trainer")
    page = white.get(f"{X}/messages").get_data(as_text=True)
    assert "cert-xy" in page and 'name="as"' in page
    response = white.post(f"{X}/messages", data={
        "csrf_token": page_token(white, f"{X}/messages"), "as": "cert-xy", "to": "blue-1",
        "subject": "Indicators please", "body": "What do you see?", "tlp": "GREEN",
        "file": (io.BytesIO(b"ask.txt body"), "ask.txt")}, content_type="multipart/form-data")
    assert response.status_code == 302
    thread_url = response.headers["Location"]
    blue = logged_in(app, "blue1")
    listing = blue.get(f"{X}/messages").get_data(as_text=True)
    assert "Indicators please" in listing and '<td class="unread">1</td>' in listing
    page = blue.get(thread_url).get_data(as_text=True)
    assert "What do you see?" in page and "TLP:GREEN" in page and "ask.txt" in page
    reply = blue.post(thread_url, data={"csrf_token": page_token(blue, thread_url),
                                        "body": "198.51.100.10"})
    assert reply.status_code == 302
    seen = white.get(thread_url).get_data(as_text=True)
    assert "198.51.100.10" in seen and "Read by blue-1 (blue1)" in seen
    other = logged_in(app, "blue2")
    assert other.get(thread_url).status_code == 404
    assert "Indicators please" not in other.get(f"{X}/messages").get_data(as_text=True)


def test_a_message_to_red_is_refused_on_the_page(app: Flask, engine: Engine,
                                                 drill: Exercise) -> None:
    blue = logged_in(app, "blue1")
    response = blue.post(f"{X}/messages", data={
        "csrf_token": page_token(blue, f"{X}/messages"), "to": "red", "subject": "psst",
        "body": "hello"})
    assert response.status_code == 422
    assert "red talks to the white cell only" in response.get_data(as_text=True)
    assert threads(engine) == 0


def test_sitrep_filed_and_graded(app: Flask, engine: Engine, drill: Exercise) -> None:
    blue = logged_in(app, "blue1")
    response = blue.post(f"{X}/sitreps", data={
        "csrf_token": page_token(blue, f"{X}/sitreps"), "situation": "Shop defaced",
        "actions": "Restored", "tlp": "AMBER"})
    assert response.status_code == 302
    with Session(engine) as session:
        uid = session.exec(select(Sitrep)).one().uid
    white = logged_in(app, "trainer")
    page = white.get(f"{X}/sitreps").get_data(as_text=True)
    assert "Shop defaced" in page and 'name="score-accuracy"' in page
    graded = white.post(f"{X}/sitreps/{uid}/grade", data={
        "csrf_token": page_token(white, f"{X}/sitreps"), "score-accuracy": "3",
        "score-actions": "2", "reason": "concise"})
    assert graded.status_code == 302
    [fact] = facts(engine, drill.id or 0, kinds=[FactKind.INJECT_GRADE])
    assert (fact.team, fact.points) == ("blue-1", 5)
    assert "accuracy 3/4, actions 2/3 = 5 points" in blue.get(f"{X}/sitreps").get_data(
        as_text=True)


def test_the_white_cell_sees_late_and_missing(app: Flask, engine: Engine,
                                              drill: Exercise) -> None:
    advance(engine, EXERCISE, 2500)  # the request (5m, due 35m) is overdue; 4 SITREP slots due
    white = logged_in(app, "trainer")
    page = white.get(f"{X}/coordination").get_data(as_text=True)
    assert page.count('class="request overdue"') == 2
    assert page.count('class="slot missing"') == 8
    console = white.get(f"{X}/console").get_data(as_text=True)
    alerts = console.split('id="coordination-alerts"', 1)[1].split("</section>", 1)[0]
    assert alerts.count("<strong>overdue</strong>") == 2
    assert alerts.count("SITREP missing") == 8
    auditor = logged_in(app, "auditor")
    assert auditor.get(f"{X}/coordination").status_code == 200
    assert logged_in(app, "blue1").get(f"{X}/coordination").status_code == 403
