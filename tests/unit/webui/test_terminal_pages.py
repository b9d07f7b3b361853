"""Terminal pages and sockets: grants, roles, origin, session cap (Flask test client).

The range is planned and recorded as deployed (no engine needed): every refusal
happens before a WebSocket handshake or any docker exec.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from range.config import Settings
from range.planner import make_plan
from range.state import save_deploying
from records.recordings import recording_path
from records.terminal_sessions import Target, close_session, open_session
from scoring.tables import Exercise
from tests.unit.webui.conftest import (
    DMZ,
    EXERCISE,
    PASSWORD,
    USERS,
    dmz_breach,
    logged_in,
)
from tests.unit.webui.enrol import enrol_default_teams
from webui.accounts import create_user
from webui.app import TerminalLimits, create_app
from webui.terminal_slots import SessionSlots
from webui.xterm_assets import asset_path

X = f"/x/{EXERCISE}"
UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Origin": "http://localhost",
}


@pytest.fixture
def app(settings: Settings, engine: Engine, exercise: Exercise) -> Iterator[Flask]:
    for name, (role, team) in USERS.items():
        create_user(engine, name, PASSWORD, role, team=team)
    enrol_default_teams(engine, EXERCISE)
    save_deploying(engine, make_plan(dmz_breach(), EXERCISE, copies=2), str(DMZ), "docker")
    yield create_app(
        settings,
        engine,
        secure_cookies=False,
        testing=True,
        terminals=TerminalLimits(idle_seconds=60, per_user=1),
    )


def test_a_blue_team_sees_and_opens_only_its_own_copy(app: Flask) -> None:
    blue1 = logged_in(app, "blue1")
    page = blue1.get(f"{X}/terminals").get_data(as_text=True)
    assert f"{X}/terminal/web/1" in page and f"{X}/terminal/db/1" in page
    assert '/2"' not in page and "attacker" not in page
    assert blue1.get(f"{X}/terminal/web/1").status_code == 200
    assert blue1.get(f"{X}/terminal/web/2").status_code == 403  # blue-2's copy
    assert blue1.get(f"{X}/terminal/attacker/0").status_code == 403
    assert blue1.get(f"{X}/terminal/nothere/1").status_code == 404
    assert blue1.get(f"{X}/terminal/web/9").status_code == 404
    assert blue1.get(f"{X}/terminal/web/2/ws", headers=UPGRADE).status_code == 403


def test_red_gets_its_attack_box_and_staff_any_host(app: Flask) -> None:
    red = logged_in(app, "redteam")
    assert red.get(f"{X}/terminal/attacker/0").status_code == 200
    assert red.get(f"{X}/terminal/web/1").status_code == 403
    trainer = logged_in(app, "trainer")
    assert trainer.get(f"{X}/terminal/web/2").status_code == 200
    assert trainer.get(f"{X}/terminal/gw/1").status_code == 403  # routers belong to the range


def test_auditors_watch_and_replay_but_never_open_a_shell(
    app: Flask, settings: Settings, engine: Engine
) -> None:
    target = Target(EXERCISE, "blue1", "blue-1", "web", 1, f"{EXERCISE}-c1-web")
    session, writer = open_session(engine, settings.data_dir, target, (80, 24))
    writer.output("secret work\r\n")
    close_session(engine, target, session, writer, "closed")
    auditor = logged_in(app, "auditor")
    assert auditor.get(f"{X}/terminal/web/1").status_code == 403
    assert auditor.get(f"{X}/terminal/web/1/ws", headers=UPGRADE).status_code == 403
    listing = auditor.get(f"{X}/terminals").get_data(as_text=True)
    assert f"{X}/recordings/{session}" in listing
    assert auditor.get(f"{X}/recordings/{session}").status_code == 200
    cast = auditor.get(f"{X}/recordings/{session}.cast")
    assert cast.status_code == 200
    assert cast.data == recording_path(settings.data_dir, EXERCISE, session).read_bytes()
    cast.close()
    blue1 = logged_in(app, "blue1")
    assert blue1.get(f"{X}/recordings/{session}").status_code == 403
    assert blue1.get(f"{X}/recordings/{session}.cast").status_code == 403
    assert auditor.get(f"{X}/recordings/{'0' * 16}").status_code == 404


def test_socket_handshakes_from_another_site_or_without_upgrade_are_refused(app: Flask) -> None:
    blue1 = logged_in(app, "blue1")
    for origin in ("http://evil.example", "", "null"):
        headers = {**UPGRADE, "Origin": origin}
        assert blue1.get(f"{X}/terminal/web/1/ws", headers=headers).status_code == 403
    assert blue1.get(f"{X}/terminal/web/1/ws").status_code == 400  # not an upgrade


def test_session_cap_per_user(app: Flask, settings: Settings) -> None:
    slots = SessionSlots(settings.data_dir, per_user=1)
    assert slots.take("00000000000000aa", "blue1", EXERCISE)  # a session in another tab
    blue1 = logged_in(app, "blue1")
    assert blue1.get(f"{X}/terminal/web/1/ws", headers=UPGRADE).status_code == 429
    assert slots.take("00000000000000bb", "blue2", EXERCISE)  # caps are per user
    slots.give_back("00000000000000aa")
    assert slots.take("00000000000000cc", "blue1", EXERCISE)


def test_a_dead_workers_slots_are_freed_and_handed_out_once(settings: Settings) -> None:
    slots = SessionSlots(settings.data_dir, per_user=1)
    assert slots.take("00000000000000aa", "blue1", EXERCISE)
    stale = slots.root / "00000000000000aa"
    stale.write_text('{"user": "blue1", "exercise": "drill", "pid": 999999999}')
    assert slots.take("00000000000000bb", "blue1", EXERCISE)  # a dead worker's slot is free
    assert [session for session, _ in slots.claim_orphans()] == ["00000000000000aa"]
    assert not stale.exists() and slots.claim_orphans() == []  # handed out once


def test_xterm_is_served_from_its_distribution(app: Flask) -> None:
    path = asset_path("xterm.js")
    assert path is not None and Path(path).stat().st_size > 100_000  # the real bundle
    blue1 = logged_in(app, "blue1")
    answer = blue1.get("/xterm/xterm.js")
    assert answer.status_code == 200 and answer.data == Path(path).read_bytes()
    answer.close()
    assert blue1.get("/xterm/other.js").status_code == 404
