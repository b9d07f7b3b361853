"""The shop's SQLite store: products, users and their notes.

DELIBERATELY VULNERABLE (training target): with `safe_queries = false` the login
query is built by string concatenation (CWE-89). Do not reuse this code.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL,
    description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
    body TEXT NOT NULL, created REAL NOT NULL);
"""

PRODUCTS = [
    ("Rubber duck (debugging edition)", 499, "Listens patiently to every stack trace."),
    ("Mechanical keyboard", 8900, "Loud enough to wake the whole SOC."),
    ("USB data blocker", 799, "Charge anywhere without sharing your files."),
    ("Privacy screen 14\"", 2499, "Shoulder surfers see nothing."),
    ("Hardware security key", 4500, "Phishing-resistant second factor."),
]


class StoreError(Exception):
    """A database error, shown to the client (the vulnerable build leaks it)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str


def password_hash(password: str) -> str:
    # Weak on purpose (unsalted SHA-256): part of the exercise's findings.
    return hashlib.sha256(password.encode()).hexdigest()


class Store:
    def __init__(self, path: str, safe_queries: bool) -> None:
        self.path = path
        self.safe = safe_queries

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """One connection per request: committed on success, always closed."""
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            with conn:
                yield conn
        finally:
            conn.close()

    def init(self) -> None:
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)
            if conn.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 0:
                conn.executemany(
                    "INSERT INTO products (name, price_cents, description) VALUES (?, ?, ?)",
                    PRODUCTS,
                )

    def products(self) -> list[dict[str, object]]:
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT id, name, price_cents, description FROM products ORDER BY id"
            ).fetchall()
        keys = ("id", "name", "price_cents", "description")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def register(self, username: str, password: str) -> User | None:
        """The new user, or None when the name is taken."""
        try:
            with self.connect() as conn:
                cur = conn.execute(
                    "INSERT INTO users (username, password_hash, created) VALUES (?, ?, ?)",
                    (username, password_hash(password), time.time()),
                )
        except sqlite3.IntegrityError:
            return None
        return User(int(cur.lastrowid or 0), username)

    def login(self, username: str, password: str) -> User | None:
        digest = password_hash(password)
        if self.safe:
            sql = "SELECT id, username FROM users WHERE username = ? AND password_hash = ?"
            params: tuple[str, ...] = (username, digest)
        else:
            # CWE-89: user input concatenated into SQL (the exercise's vulnerability).
            sql = (
                "SELECT id, username FROM users WHERE username = '" + username  # noqa: S608
                + "' AND password_hash = '" + digest + "'"
            )
            params = ()
        try:
            with self.connect() as conn:
                row = conn.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from exc
        return User(int(row[0]), str(row[1])) if row else None

    def add_note(self, user: User, body: str) -> int:
        with self.connect() as conn:
            cur = conn.execute(
                "INSERT INTO notes (user_id, body, created) VALUES (?, ?, ?)",
                (user.id, body, time.time()),
            )
        return int(cur.lastrowid or 0)

    def notes(self, user: User) -> list[dict[str, object]]:
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT id, body, created FROM notes WHERE user_id = ? ORDER BY id", (user.id,)
            ).fetchall()
        return [{"id": r[0], "body": r[1], "created": r[2]} for r in rows]
