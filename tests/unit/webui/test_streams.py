"""Live scoreboard streams: one user holds at most a few; `cyberrange serve`
stops at once on SIGTERM even while streams are open."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from werkzeug.test import TestResponse

from range.config import Settings
from tests.unit.webui.conftest import PASSWORD, logged_in
from webui.boardjson import PER_USER_STREAMS

EVENTS = "/x/drill/events"


class Tab:
    """A browser tab with a live stream, in a thread of its own as a server
    would give it: an open stream keeps its request context pushed in the
    thread that started it, and is closed there."""

    def __init__(self, client: FlaskClient) -> None:
        self.thread = ThreadPoolExecutor(1)
        self.response: TestResponse = self.thread.submit(client.get, EVENTS).result()
        self.status = self.response.status_code

    def close(self) -> None:
        self.thread.submit(self.response.close).result()
        self.thread.shutdown()


def test_one_user_cannot_hold_every_stream(app: Flask, exercise: object) -> None:
    greedy, other = logged_in(app, "blue1"), logged_in(app, "blue2")
    tabs = [Tab(greedy) for _ in range(PER_USER_STREAMS)]
    assert [t.status for t in tabs] == [200] * PER_USER_STREAMS
    refused = Tab(greedy)
    assert refused.status == 429 and refused.response.headers["Retry-After"]
    tabs.append(refused)
    tabs.append(Tab(other))
    assert tabs[-1].status == 200  # the next user still gets one
    tabs.pop(0).close()  # a tab closed: its slot is free again
    tabs.append(Tab(greedy))
    assert tabs[-1].status == 200
    for tab in tabs:
        tab.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(
    settings: Settings, engine: Engine, exercise: object
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    from webui.accounts import create_user

    create_user(engine, "watcher", PASSWORD, "white")
    engine.dispose()
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "cyberrange"),
        "--data-dir",
        str(settings.data_dir),
        "serve",
        "--port",
        str(port),
        "--workers",
        "1",
        "--threads",
        "8",
        "--insecure-cookies",
    ]
    log_path = Path(settings.data_dir) / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{url}/login", timeout=10).close()
                break
            except requests.RequestException:
                assert process.poll() is None, log_path.read_text()
                time.sleep(0.3)
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_serve_stops_promptly_on_sigterm_with_open_streams(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, process = server
    streams, browsers = [], []
    for _ in range(2):
        browser = requests.Session()
        browsers.append(browser)
        page = browser.get(f"{url}/login", timeout=10).text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        browser.post(
            f"{url}/login",
            data={"username": "watcher", "password": PASSWORD, "csrf_token": token},
            timeout=10,
        )
        stream = browser.get(f"{url}{EVENTS}", stream=True, timeout=10)
        assert stream.status_code == 200
        next(stream.iter_content(chunk_size=None))  # the stream is open and serving
        streams.append(stream)
    process.send_signal(signal.SIGTERM)
    # Before: gunicorn waited its whole graceful timeout (10 s) for the streams.
    # The figure itself is printed by bench/serve_stop.py.
    process.wait(timeout=6)
    for stream in streams:
        stream.close()
    for browser in browsers:
        browser.close()
