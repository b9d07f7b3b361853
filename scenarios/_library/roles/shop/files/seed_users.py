"""Seed shop accounts and their notes (JSON on stdin); prints changed/unchanged.

Runs as the `shop` user so the SQLite files keep the owner the service needs.
Uses the shop's own store code: the same schema and password hashing.
"""

import json
import sys

sys.path.insert(0, "/opt/shop")
from shop.store import Store, password_hash

users = json.load(sys.stdin)
store = Store("/var/lib/shop/shop.db", safe_queries=True)
store.init()
changed = False
with store.connect() as conn:
    for user in users:
        digest = password_hash(user["password"])
        row = conn.execute(
            "SELECT id, password_hash FROM users WHERE username = ?", (user["username"],)
        ).fetchone()
        if row is None:
            cur = conn.execute(
                "INSERT INTO users (username, password_hash, created) VALUES (?, ?, 0)",
                (user["username"], digest),
            )
            user_id, changed = cur.lastrowid, True
        else:
            user_id = row[0]
            if row[1] != digest:
                conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (digest, user_id))
                changed = True
        for body in user.get("notes", []):
            known = conn.execute(
                "SELECT 1 FROM notes WHERE user_id = ? AND body = ?", (user_id, body)
            ).fetchone()
            if known is None:
                conn.execute(
                    "INSERT INTO notes (user_id, body, created) VALUES (?, ?, 0)", (user_id, body)
                )
                changed = True
print("changed" if changed else "unchanged")
