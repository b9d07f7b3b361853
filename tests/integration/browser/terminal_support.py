"""A small real range for the terminal tests and bench/terminals.py, and a
WebSocket client of the terminal protocol (the browser's side, in Python).

Address space (no other test uses it): 10.177-10.179.{copy}.0/24 and
100.64.177-179.0/28, one block per user of this module. Range names carry a
random suffix, so two runs never meet.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import websocket
from sqlalchemy.engine import Engine

from range.config import Settings
from range.lifecycle import down, up
from range.scenario import load
from scoring.exercise import create_exercise
from tests.unit.webui.enrol import enrol_default_teams

SCENARIO = """\
schema: cyberrange/v1
name: {name}
title: Browser terminal test range
duration: 10m
tick: 10s
teams:
  - {{name: red, role: red}}
  - {{name: blue, role: blue, copies: 2}}
networks:
  edge: {{subnet: 100.64.{block}.0/28, scope: shared}}
  lan:  {{subnet: "10.{block}.{{copy}}.0/24"}}
hosts:
  attacker:
    image: cyberrange/base
    scope: shared
    team: red
    networks: {{edge: 100.64.{block}.10}}
  box:
    image: cyberrange/base
    networks: {{lan: "10.{block}.{{copy}}.10"}}
"""
BLOCKS = {"browser": 177, "sockets": 178, "bench": 179}


@contextmanager
def term_range(settings: Settings, engine: Engine, use: str, folder: Path) -> Iterator[str]:
    """Deploy the range and its exercise (same name) in this database; down afterwards."""
    name = f"t14{use[:4]}-{secrets.token_hex(3)}"
    path = folder / f"{name}.yaml"
    path.write_text(SCENARIO.format(name=name, block=BLOCKS[use]), encoding="utf-8")
    loaded = load(path)
    try:
        up(settings, engine, loaded, name)
        create_exercise(engine, name, name, loaded.scenario, str(path))
        enrol_default_teams(engine, name)  # the site's red/blue accounts play in it
        yield name
    finally:
        down(settings, engine, name)


def exec_shells(container: str) -> list[str]:
    """Interactive login shells in the container (what a terminal session starts)."""
    out = subprocess.run(
        ["docker", "exec", container, "ps", "-eo", "pid,args"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines()[1:] if "bash -l" in line]


def wait_no_shells(container: str, seconds: float = 30) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := exec_shells(container)) and time.monotonic() < deadline:
        time.sleep(0.3)
    return left


def web_login(url: str, username: str, password: str) -> requests.Session:
    client = requests.Session()
    page = client.get(f"{url}/login", timeout=30).text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        f"{url}/login",
        timeout=30,
        allow_redirects=False,
        data={"username": username, "password": password, "csrf_token": token},
    )
    assert answer.status_code == 302, answer.text[:300]
    return client


class Term:
    """One terminal session over the WebSocket, as the page's script speaks it."""

    def __init__(self, url: str, path: str, client: requests.Session, size: str = "") -> None:
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        ws_url = url.replace("http://", "ws://") + path + size
        self.ws = websocket.create_connection(ws_url, cookie=cookie, origin=url, timeout=30)
        self.seen = ""

    def type(self, text: str) -> None:
        self.ws.send(json.dumps({"t": "i", "d": text}))

    def resize(self, cols: int, rows: int) -> None:
        self.ws.send(json.dumps({"t": "r", "c": cols, "r": rows}))

    def expect(self, text: str, seconds: float = 90) -> float:
        """Read until ``text`` shows; returns the seconds it took."""
        start = time.monotonic()
        self.ws.settimeout(seconds)
        while text not in self.seen:
            if time.monotonic() - start > seconds:
                raise TimeoutError(f"{text!r} did not show; saw {self.seen[-300:]!r}")
            self.seen += self.ws.recv()
        return time.monotonic() - start

    def close(self) -> None:
        try:
            self.ws.close(timeout=5)
        except (websocket.WebSocketException, OSError):
            self.ws.shutdown()  # the server had closed it already
