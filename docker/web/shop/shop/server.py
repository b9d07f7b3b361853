"""The shop's HTTP server (stdlib only): binds as root, then runs as user 'shop'.

Usage: python3 -m shop.server --config /etc/shop/shop.ini
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import pwd
import re
import secrets
import sys
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shop import pages
from shop.store import Store, StoreError, User

MAX_BODY = 64 * 1024
USERNAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}\Z")
MAX_NOTE = 4096


class BadRequest(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class ShopHandler(BaseHTTPRequestHandler):
    server_version = "CyberShop/1.0"
    store: Store
    secret: bytes

    # --- plumbing -------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.client_address[0]} - {format % args}\n")

    def _send(self, status: HTTPStatus, body: str, ctype: str, headers: dict[str, str]) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def html(self, status: HTTPStatus, body: str, **headers: str) -> None:
        self._send(status, body, "text/html", headers)

    def json(self, status: HTTPStatus, data: object, **headers: str) -> None:
        self._send(status, json.dumps(data), "application/json", headers)

    def redirect(self, location: str, cookie: str | None = None) -> None:
        headers = {"Location": location}
        if cookie is not None:
            headers["Set-Cookie"] = cookie
        self._send(HTTPStatus.SEE_OTHER, "", "text/plain", headers)

    def cookie_for(self, user: User | None) -> str:
        if user is None:
            return f"{pages.SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        value = pages.sign_session(self.secret, user)
        return f"{pages.SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax"

    def user(self) -> User | None:
        try:
            jar = SimpleCookie(self.headers.get("Cookie", ""))
        except CookieError:
            return None
        morsel = jar.get(pages.SESSION_COOKIE)
        return pages.read_session(self.secret, morsel.value) if morsel else None

    def body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "bad Content-Length") from None
        if length < 0 or length > MAX_BODY:
            raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
        return self.rfile.read(length)

    def form(self) -> dict[str, str]:
        fields = parse_qs(self.body().decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in fields.items()}

    def json_body(self) -> dict[str, str]:
        try:
            data = json.loads(self.body() or b"{}")
        except ValueError:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "body is not JSON") from None
        if not isinstance(data, dict):
            raise BadRequest(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
        return {str(k): v for k, v in data.items() if isinstance(v, str)}

    # --- dispatch -------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self.dispatch(GET_ROUTES)

    def do_POST(self) -> None:
        self.dispatch(POST_ROUTES)

    def dispatch(self, routes: dict[str, Any]) -> None:
        path = urlsplit(self.path).path
        route = routes.get(path)
        is_api = path.startswith("/api/")
        try:
            if route is None:
                raise BadRequest(HTTPStatus.NOT_FOUND, "not found")
            route(self)
        except BadRequest as exc:
            if is_api:
                self.json(exc.status, {"error": str(exc)})
            else:
                self.html(exc.status, pages.layout(str(exc), "", None))
        except StoreError as exc:
            # The vulnerable build leaks database errors (error-based SQLi helps red).
            self.log_message("database error: %s", exc)
            message = f"database error: {exc}"
            if is_api:
                self.json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": message})
            else:
                self.html(HTTPStatus.INTERNAL_SERVER_ERROR, pages.layout(message, "", None))

    # --- shared actions ---------------------------------------------------------

    def do_register(self, fields: dict[str, str]) -> User:
        username, password = fields.get("username", ""), fields.get("password", "")
        if not USERNAME.match(username):
            raise BadRequest(HTTPStatus.BAD_REQUEST, "username: 1-64 of A-Z a-z 0-9 _ . @ -")
        if not 1 <= len(password) <= 128:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "password: 1-128 characters")
        user = self.store.register(username, password)
        if user is None:
            raise BadRequest(HTTPStatus.CONFLICT, "username already taken")
        self.log_message("register user=%r id=%d", username, user.id)
        return user

    def do_login(self, fields: dict[str, str]) -> User | None:
        username = fields.get("username", "")
        user = self.store.login(username, fields.get("password", ""))
        self.log_message("login user=%r result=%s", username, user.username if user else "fail")
        return user

    def need_user(self) -> User:
        user = self.user()
        if user is None:
            raise BadRequest(HTTPStatus.UNAUTHORIZED, "log in first")
        return user

    def note_text(self, fields: dict[str, str]) -> str:
        body = fields.get("body", "")
        if not 1 <= len(body) <= MAX_NOTE:
            raise BadRequest(HTTPStatus.BAD_REQUEST, f"note body: 1-{MAX_NOTE} characters")
        return body


# --- routes (plain functions over the handler) ----------------------------------


def home(h: ShopHandler) -> None:
    h.html(HTTPStatus.OK, pages.home(h.store.products(), h.user()))


def login_page(h: ShopHandler) -> None:
    h.html(HTTPStatus.OK, pages.form("/login", "Log in"))


def register_page(h: ShopHandler) -> None:
    h.html(HTTPStatus.OK, pages.form("/register", "Register"))


def login_form(h: ShopHandler) -> None:
    user = h.do_login(h.form())
    if user is None:
        h.html(HTTPStatus.UNAUTHORIZED, pages.form("/login", "Log in", "Invalid credentials"))
        return
    h.redirect("/notes", h.cookie_for(user))


def register_form(h: ShopHandler) -> None:
    h.redirect("/notes", h.cookie_for(h.do_register(h.form())))


def logout(h: ShopHandler) -> None:
    h.redirect("/", h.cookie_for(None))


def notes_page(h: ShopHandler) -> None:
    user = h.user()
    if user is None:
        h.redirect("/login")
        return
    h.html(HTTPStatus.OK, pages.notes(user, h.store.notes(user)))


def notes_form(h: ShopHandler) -> None:
    user = h.need_user()
    h.store.add_note(user, h.note_text(h.form()))
    h.redirect("/notes")


def api_health(h: ShopHandler) -> None:
    h.json(HTTPStatus.OK, {"status": "ok", "safe_queries": h.store.safe})


def api_products(h: ShopHandler) -> None:
    h.json(HTTPStatus.OK, {"products": h.store.products()})


def api_register(h: ShopHandler) -> None:
    user = h.do_register(h.json_body())
    h.json(HTTPStatus.CREATED, {"id": user.id, "username": user.username},
           **{"Set-Cookie": h.cookie_for(user)})


def api_login(h: ShopHandler) -> None:
    user = h.do_login(h.json_body())
    if user is None:
        h.json(HTTPStatus.UNAUTHORIZED, {"error": "invalid credentials"})
        return
    h.json(HTTPStatus.OK, {"id": user.id, "username": user.username},
           **{"Set-Cookie": h.cookie_for(user)})


def api_notes(h: ShopHandler) -> None:
    user = h.need_user()
    h.json(HTTPStatus.OK, {"username": user.username, "notes": h.store.notes(user)})


def api_add_note(h: ShopHandler) -> None:
    user = h.need_user()
    note_id = h.store.add_note(user, h.note_text(h.json_body()))
    h.json(HTTPStatus.CREATED, {"id": note_id})


GET_ROUTES = {"/": home, "/login": login_page, "/register": register_page, "/logout": logout,
              "/notes": notes_page, "/api/health": api_health, "/api/products": api_products,
              "/api/notes": api_notes}
POST_ROUTES = {"/login": login_form, "/register": register_form, "/notes": notes_form,
               "/api/register": api_register, "/api/login": api_login,
               "/api/notes": api_add_note}


# --- start-up -----------------------------------------------------------------------


def load_secret(path: str) -> bytes:
    """The cookie-signing key, made once per container (after dropping privileges)."""
    try:
        return Path(path).read_bytes().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32).encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key


def drop_privileges(username: str) -> None:
    if os.geteuid() != 0:
        return  # already unprivileged (development runs)
    entry = pwd.getpwnam(username)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    os.environ["HOME"] = entry.pw_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cyber Shop (deliberately vulnerable)")
    parser.add_argument("--config", default="/etc/shop/shop.ini")
    args = parser.parse_args(argv)
    config = configparser.ConfigParser()
    if not config.read(args.config):
        print(f"shop: cannot read {args.config}", file=sys.stderr)
        return 1
    shop = config["shop"]
    address = (shop.get("listen", "0.0.0.0"), shop.getint("port", 80))  # noqa: S104
    server = ThreadingHTTPServer(address, ShopHandler)
    drop_privileges(shop.get("user", "shop"))
    ShopHandler.store = Store(shop.get("database", "/var/lib/shop/shop.db"),
                              shop.getboolean("safe_queries", False))
    ShopHandler.store.init()
    ShopHandler.secret = load_secret(shop.get("secret_file", "/var/lib/shop/secret"))
    print(f"shop: listening on port {server.server_address[1]}, "
          f"safe_queries={ShopHandler.store.safe}", file=sys.stderr, flush=True)
    server.daemon_threads = True
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
