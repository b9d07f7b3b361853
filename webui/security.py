"""Secret key, cookie settings, security headers and request limits."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, Response, g, request

from range.errors import ConfigError

SECRET_FILE = "web-secret-key"  # noqa: S105 (a file name)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # evidence files; larger requests answer 413

HSTS = "max-age=31536000; includeSubDomains"
PUBLIC_PREFIXES = ("/static/", "/xterm/")  # the same bytes for everyone

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def _private(path: str) -> bool:
    """Everything but static files, once someone is logged in; the API always."""
    if path.startswith(PUBLIC_PREFIXES):
        return False
    return g.get("user") is not None or path.startswith("/api/")


def load_or_create_secret(data_dir: Path) -> bytes:
    """The session-signing key: generated once, kept in the data directory (0600)."""
    path = data_dir / SECRET_FILE
    try:
        if path.exists():
            return path.read_bytes()
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(64)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # another worker created it first
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read or create the web secret in {data_dir}: {exc}") from exc


def configure_security(app: Flask, data_dir: Path, secure_cookies: bool) -> None:
    app.config.update(
        SECRET_KEY=load_or_create_secret(data_dir),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME="cyberrange_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        WTF_CSRF_TIME_LIMIT=None,  # token lives as long as the session
    )

    @app.after_request
    def _headers(response: Response) -> Response:
        if secure_cookies:  # served over TLS: browsers must never fall back to plain HTTP
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if _private(request.path):
            # Pages and answers of a logged-in user carry team data: no cache may keep them.
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
