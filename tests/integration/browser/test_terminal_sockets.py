"""The terminal WebSocket through gunicorn, spoken from Python: resize, idle
timeout, the session cap, a socket dropped without a close, a live watcher,
a session left behind by a worker that died."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websocket

from range.backends.docker import DockerBackend
from range.backends.tty_session import MARKER, TtySession
from records.recordings import read_cast, recording_path
from records.terminal_sessions import SessionInfo, Target, open_session, session_info, sessions
from tests.integration.browser.conftest import Site
from tests.integration.browser.terminal_support import (
    Term,
    exec_shells,
    term_range,
    wait_no_shells,
    web_login,
)
from tests.unit.webui.conftest import PASSWORD
from webui.terminal_slots import SessionSlots

pytestmark = [pytest.mark.browser, pytest.mark.docker]


@pytest.fixture(scope="module")
def name(
    terminal_site: Site, docker_engine: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("sockets")
    with term_range(terminal_site.settings, terminal_site.engine, "sockets", folder) as found:
        yield found


def _ended(site: Site, exercise: str, count: int, user: str) -> list[SessionInfo]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = [s for s in sessions(site.engine, exercise) if not s.live and s.user == user]
        if len(done) >= count:
            return done
        time.sleep(0.3)
    pytest.fail(f"fewer than {count} terminal.end entries")


def _expect_size(term: Term, size: str) -> None:
    for _ in range(20):
        term.type("stty size\r")
        try:
            term.expect(size, seconds=2)
            return
        except (TimeoutError, websocket.WebSocketTimeoutException):
            continue
    pytest.fail(f"the terminal never became {size}: {term.seen[-300:]!r}")


def test_resize_then_idle_timeout_ends_the_session(terminal_site: Site, name: str) -> None:
    site, client = terminal_site, web_login(terminal_site.url, "blue2", PASSWORD)
    term = Term(site.url, f"/x/{name}/terminal/box/2/ws", client, "?cols=80&rows=24")
    term.type("\r")  # a keystroke: the idle clock starts again from here
    term.expect("# ")
    term.resize(123, 41)
    _expect_size(term, "41 123")  # docker passes the new size on asynchronously
    term.expect("idle for 15 s", seconds=60)  # no keystroke for 15 s
    with pytest.raises(websocket.WebSocketConnectionClosedException):
        term.expect("never", seconds=15)
    term.close()
    client.close()
    [ended] = _ended(site, name, 1, "blue2")
    assert ended.reason == "idle"
    assert wait_no_shells(f"{name}-c2-box") == []
    cast = read_cast(recording_path(site.settings.data_dir, name, ended.session))
    assert ("r", "123x41") in [(code, data) for _, code, data in cast.events]


def test_cap_dropped_socket_and_live_watcher(terminal_site: Site, name: str) -> None:
    site, blue1 = terminal_site, web_login(terminal_site.url, "blue1", PASSWORD)
    path = f"/x/{name}/terminal/box/1/ws"
    first = Term(site.url, path, blue1)
    first.type("\r")
    first.expect("# ")
    [live] = [s for s in sessions(site.engine, name) if s.live and s.user == "blue1"]
    second = Term(site.url, path, blue1)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        Term(site.url, path, blue1)  # a third at once: over the cap of 2
    assert refused.value.status_code == 429
    auditor = web_login(site.url, "auditor", PASSWORD)
    watcher = Term(site.url, f"/x/{name}/recordings/{live.session}/watch", auditor)
    watcher.type("echo typed-by-the-auditor\r")  # read only: goes nowhere
    first.type("echo watched-$((40+2))\r")
    first.expect("watched-42")
    watcher.expect("watched-42")
    assert "typed-by-the-auditor" not in first.seen
    first.ws.shutdown()  # the network goes away: no close frame (pings find out)
    second.close()
    assert wait_no_shells(f"{name}-c1-box", seconds=60) == []
    reasons = {s.reason for s in _ended(site, name, 2, "blue1")}
    assert reasons <= {"closed", "exited"}
    watcher.expect("session ended", seconds=15)
    watcher.close()
    blue1.close()
    auditor.close()


def test_a_session_left_by_a_dead_worker_is_ended_later(terminal_site: Site, name: str) -> None:
    """A worker killed mid-session leaves its shell running (the engine keeps an
    exec's processes); the next terminal request ends it and closes the entry."""
    site, container = terminal_site, f"{name}-c1-box"
    target = Target(name, "blue1", "blue-1", "box", 1, container)
    session, writer = open_session(site.engine, site.settings.data_dir, target, (80, 24))
    writer.close()
    tty = TtySession(DockerBackend().shell_argv(name, container, env={MARKER: session}))
    deadline = time.monotonic() + 90
    while not exec_shells(container) and time.monotonic() < deadline:
        time.sleep(0.3)
    tty.close()  # the docker client ends with its worker...
    assert exec_shells(container), "...and the engine keeps the shell running"
    slots = SessionSlots(site.settings.data_dir, per_user=2)
    slots.root.mkdir(parents=True, exist_ok=True)
    dead = {
        "user": "blue1",
        "exercise": name,
        "pid": 999_999_999,
        "range": name,
        "backend": "docker",
        "team": "blue-1",
        "host": "box",
        "copy": 1,
        "container": container,
    }
    (slots.root / session).write_text(json.dumps(dead), encoding="utf-8")
    blue1 = web_login(site.url, "blue1", PASSWORD)
    assert blue1.get(f"{site.url}/x/{name}/terminals", timeout=60).status_code == 200
    blue1.close()
    assert wait_no_shells(container) == []
    ended = session_info(site.engine, name, session)
    assert not ended.live and ended.reason == "server-stopped" and ended.sha256
