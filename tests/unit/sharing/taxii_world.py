"""A real app with the sharing exercise, one account (and API token) per role/team."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from range.config import Settings
from tests.unit.sharing.sharing_world import EXERCISE
from webui.accounts import create_user, issue_token
from webui.app import create_app
from webui.membership import join
from webui.taxii.media import TAXII

PASSWORD = "correct horse battery"
# account -> (role, team); team accounts join the exercise's roster, but "stray"
# (its team plays nowhere) and "ghost" (blue-1 by its account, not on the roster).
ACCOUNTS: dict[str, tuple[str, str | None]] = {
    "admin": ("admin", None), "trainer": ("white", None), "auditor": ("auditor", None),
    "rita": ("red", "red"), "bob": ("blue", "blue-1"), "bea": ("blue", "blue-2"),
    "carl": ("blue", "blue-3"), "ines": ("isac", "isac"), "stray": ("blue", "blue-9"),
    "ghost": ("blue", "blue-1"),
}


@dataclass
class TaxiiWorld:
    app: Flask
    client: FlaskClient
    tokens: dict[str, str]
    engine: Engine

    def headers(self, account: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[account]}", "Accept": TAXII, **extra}

    def get(self, account: str, path: str, **params: Any) -> TestResponse:
        return self.client.get(path, headers=self.headers(account), query_string=params)

    def post(self, account: str, path: str, objects: list[dict[str, Any]]) -> TestResponse:
        return self.client.post(path, json={"objects": objects},
                                headers=self.headers(account, **{"Content-Type": TAXII}))


def build(settings: Settings, engine: Engine) -> TaxiiWorld:
    tokens = {}
    for name, (role, team) in ACCOUNTS.items():
        account = create_user(engine, name, PASSWORD, role, team=team)
        tokens[name] = issue_token(engine, account, "taxii test")
        if team is not None and name not in ("stray", "ghost"):
            join(engine, name, EXERCISE)
    app = create_app(settings, engine, secure_cookies=False, testing=True)
    return TaxiiWorld(app, app.test_client(), tokens, engine)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a real HTTP socket (a thread); its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
