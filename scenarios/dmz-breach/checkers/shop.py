#!/usr/bin/env python3
"""Checker for the Cyber Shop (cyberrange/web), in the public attack-defense protocol.

    shop.py check HOST
    shop.py put   HOST FLAG_ID FLAG VULN   -> prints the new flag id (user:password)
    shop.py get   HOST FLAG_ID FLAG VULN

Exit codes: 101 OK, 102 CORRUPT, 103 MUMBLE, 104 DOWN, 110 CHECK_FAILED.
Standard library only, so it runs in any container with python3.
"""

import html
import json
import re
import secrets
import socket
import sys
import urllib.error
import urllib.request
from http.client import HTTPException

OK, CORRUPT, MUMBLE, DOWN, CHECK_FAILED = 101, 102, 103, 104, 110
TIMEOUT = 5.0


class Verdict(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Client:
    """One browser session against the shop (its own cookie jar)."""

    def __init__(self, host):
        self.base = "http://%s:80" % host
        handler = urllib.request.HTTPCookieProcessor()
        self.opener = urllib.request.build_opener(handler)

    def request(self, method, path, payload=None):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return response.status, response.read(1 << 20).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(1 << 20).decode("utf-8", "replace")
        except (socket.timeout, TimeoutError):
            raise Verdict(DOWN, "%s %s timed out" % (method, path)) from None
        except HTTPException as exc:
            raise Verdict(MUMBLE, "%s %s: broken HTTP answer (%s)" % (method, path, exc)) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Verdict(DOWN, "%s %s: %s" % (method, path, reason)) from None

    def json(self, method, path, payload=None, expect=200):
        status, body = self.request(method, path, payload)
        if status != expect:
            raise Verdict(MUMBLE, "%s %s: status %s, expected %s" % (method, path, status, expect))
        try:
            return json.loads(body)
        except ValueError:
            raise Verdict(MUMBLE, "%s %s: answer is not JSON" % (method, path)) from None


def check(host):
    client = Client(host)
    status, page = client.request("GET", "/")
    if status != 200:
        raise Verdict(MUMBLE, "home page: status %s" % status)
    products = client.json("GET", "/api/products").get("products")
    if not isinstance(products, list) or not products:
        raise Verdict(MUMBLE, "no products in the shop")
    product = secrets.choice(products)
    if not isinstance(product, dict):
        raise Verdict(MUMBLE, "GET /api/products: malformed product")
    listed = re.search(r"""id=["']product-%s["']""" % re.escape(str(product.get("id"))), page)
    if listed is None or html.escape(str(product.get("name", ""))) not in page:
        raise Verdict(MUMBLE, "home page does not list product %s" % product.get("id"))
    return "shop is open (%d products)" % len(products)


def put(host, flag):
    client = Client(host)
    username = "u" + secrets.token_hex(6)
    password = secrets.token_urlsafe(12)
    client.json("POST", "/api/register", {"username": username, "password": password}, 201)
    client.json("POST", "/api/notes", {"body": flag}, 201)
    return "%s:%s" % (username, password)  # the flag id get receives


def get(host, flag_id, flag):
    username, sep, password = flag_id.partition(":")
    if not sep:
        raise Verdict(CHECK_FAILED, "flag id is not user:password")
    client = Client(host)
    status, _ = client.request("POST", "/api/login", {"username": username, "password": password})
    if status == 401:
        raise Verdict(CORRUPT, "the flag's user cannot log in any more")
    if status != 200:
        raise Verdict(MUMBLE, "POST /api/login: status %s" % status)
    notes = client.json("GET", "/api/notes").get("notes")
    if not isinstance(notes, list):
        raise Verdict(MUMBLE, "GET /api/notes: no notes list")
    if not any(isinstance(n, dict) and n.get("body") == flag for n in notes):
        raise Verdict(CORRUPT, "the flag note is gone")
    return "flag found"


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "put", "get"):
        print("usage: shop.py check|put|get HOST [FLAG_ID FLAG VULN]", file=sys.stderr)
        return CHECK_FAILED
    action, host = argv[1], argv[2]
    if action != "check" and len(argv) < 5:
        print("put/get need FLAG_ID FLAG VULN", file=sys.stderr)
        return CHECK_FAILED
    # put's stdout is the flag id, so its messages go to stderr.
    out = sys.stderr if action == "put" else sys.stdout
    try:
        if action == "check":
            print(check(host), file=out)
        elif action == "put":
            print(put(host, argv[4]))
        else:
            print(get(host, argv[3], argv[4]), file=out)
    except Verdict as verdict:
        print(str(verdict), file=out)
        return verdict.code
    except Exception as exc:  # a bug here is the checker's fault, not the team's
        print("checker error: %s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        return CHECK_FAILED
    return OK


if __name__ == "__main__":
    sys.exit(main(sys.argv))
