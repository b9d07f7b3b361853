"""Signed session cookies and the shop's HTML pages (everything escaped)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import time

from shop.store import User

SESSION_COOKIE = "shop_session"
SESSION_SECONDS = 8 * 3600


def sign_session(secret: bytes, user: User, now: float | None = None) -> str:
    payload = json.dumps(
        {"uid": user.id, "name": user.username, "exp": int((now or time.time()) + SESSION_SECONDS)},
        separators=(",", ":"),
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    sig = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{sig}"


def read_session(secret: bytes, value: str) -> User | None:
    body, _, sig = value.partition(".")
    expected = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    if not sig or not hmac.compare_digest(sig, expected):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if float(data["exp"]) < time.time():
            return None
        return User(int(data["uid"]), str(data["name"]))
    except (ValueError, KeyError, TypeError):
        return None


STYLE = (
    "body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}"
    "nav a{margin-right:1em}.product{border-bottom:1px solid #ddd;padding:.5em 0}"
    ".error{color:#b00}"
)


def layout(title: str, body: str, user: User | None) -> str:
    who = (
        f'Logged in as <b>{html.escape(user.username)}</b> · <a href="/notes">notes</a> · '
        '<a href="/logout">log out</a>'
        if user
        else '<a href="/login">log in</a> · <a href="/register">register</a>'
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{STYLE}</style></head><body><nav><a href='/'>Cyber Shop</a>"
        f"{who}</nav><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def home(products: list[dict[str, object]], user: User | None) -> str:
    items = "".join(
        f"<div class='product' id='product-{p['id']}'><b>{html.escape(str(p['name']))}</b>"
        f" — {int(str(p['price_cents'])) / 100:.2f} EUR<br>"
        f"{html.escape(str(p['description']))}</div>"
        for p in products
    )
    return layout("Cyber Shop", f"<h2>Products</h2>{items}", user)


def form(action: str, title: str, error: str = "") -> str:
    message = f"<p class='error'>{html.escape(error)}</p>" if error else ""
    body = (
        f"{message}<form method='post' action='{action}'>"
        "<p><label>Username <input name='username' autocomplete='username'></label></p>"
        "<p><label>Password <input name='password' type='password'></label></p>"
        f"<p><button type='submit'>{html.escape(title)}</button></p></form>"
    )
    return layout(title, body, None)


def notes(user: User, items: list[dict[str, object]]) -> str:
    rows = "".join(
        f"<li class='note' id='note-{n['id']}'>{html.escape(str(n['body']))}</li>" for n in items
    )
    body = (
        f"<ul id='notes'>{rows}</ul><form method='post' action='/notes'>"
        "<p><textarea name='body' rows='3' cols='60'></textarea></p>"
        "<p><button type='submit'>Save note</button></p></form>"
    )
    return layout("Your notes", body, user)
