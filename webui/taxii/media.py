"""TAXII 2.1 media types, error messages, and who is calling."""

from __future__ import annotations

import threading
import time
from typing import Any, NoReturn

from flask import Response, current_app, g, json, request

from records.sharing.audience import Caller
from scoring.roles import READ_ALL_ROLES, STAFF_ROLES
from scoring.tables import Exercise
from webui.accounts import User, check_password, find_user
from webui.app import web_context
from webui.membership import team_in

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
LIMITER_KEY = "cyberrange.taxii-basic-limiter"


class TaxiiError(Exception):
    """An answer in TAXII's error message format."""

    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.description = status, title, description


def fail(status: int, title: str, description: str = "") -> NoReturn:
    raise TaxiiError(status, title, description)


def taxii_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, content_type=TAXII)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(exc: TaxiiError) -> Response:
    body = {"title": exc.title, "description": exc.description, "http_status": str(exc.status)}
    response = taxii_json(body, exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="cyberrange TAXII", Bearer'
    return response


def check_accept() -> None:
    """406 unless the client takes TAXII 2.1 JSON (a bare */* is taken as yes)."""
    accept = request.headers.get("Accept", "*/*").replace(" ", "").lower()
    if "application/taxii+json" in accept:
        if "version=" in accept and "version=2.1" not in accept:
            fail(406, "Not Acceptable", "this server speaks TAXII 2.1 only")
        return
    if "*/*" not in accept:
        fail(406, "Not Acceptable", f"send 'Accept: {TAXII}'")


def check_content_type() -> None:
    kind = request.headers.get("Content-Type", "").replace(" ", "").lower()
    if not kind.startswith("application/taxii+json") or (
            "version=" in kind and "version=2.1" not in kind):
        fail(415, "Unsupported Media Type", f"send 'Content-Type: {TAXII}'")


def user() -> User:
    """The caller: a bearer token or session (webui.auth), else HTTP Basic."""
    found: User | None = g.get("user")
    if found is not None:
        return found
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username and auth.password:
        failures: FailedLogins = current_app.extensions[LIMITER_KEY]
        key = f"{auth.username}|{request.remote_addr}"
        if failures.blocked(key):
            fail(429, "Too Many Requests", "too many wrong passwords; wait, or use an API token")
        candidate = find_user(web_context().engine, auth.username)
        if candidate is not None and candidate.active and check_password(
                candidate, auth.password):
            g.user, g.via_basic = candidate, True
            return candidate
        failures.failed(key)
    fail(401, "Unauthorized", "send 'Authorization: Bearer <token>' or HTTP Basic credentials")


class FailedLogins:
    """Wrong Basic passwords per (username, address) in a sliding window: a client
    that authenticates on every request is never slowed, a guesser is stopped."""

    def __init__(self, limit: int = 10, window_seconds: float = 60.0) -> None:
        self.limit, self.window = limit, window_seconds
        self._times: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> list[float]:
        now = time.monotonic()
        recent = [t for t in self._times.get(key, []) if now - t < self.window]
        if recent:
            self._times[key] = recent
        else:
            self._times.pop(key, None)
        return recent

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key)) >= self.limit

    def failed(self, key: str) -> None:
        with self._lock:
            self._times[key] = [*self._recent(key), time.monotonic()]


def writer_checked() -> None:
    """Writes come with credentials, never on a session cookie alone."""
    if not (g.get("via_token") or g.get("via_basic")):
        fail(403, "Forbidden", "adding objects needs a bearer token or HTTP Basic credentials")


def caller_for(account: User, exercise: Exercise) -> Caller:
    """The feed's view of the account in one exercise: its team there from the
    roster (webui.membership, as in the JSON API), or exercise staff."""
    team = team_in(web_context().engine, account, exercise) if account.role.has_team else None
    return Caller(account.username, team, staff=account.role in STAFF_ROLES,
                  reads_all=account.role in READ_ALL_ROLES)
