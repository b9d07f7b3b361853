"""The web image's Cyber Shop: port 80, user 'shop', SQL injection switchable by config."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from imgtest_support import Container, wait_for

pytestmark = pytest.mark.docker

Start = Callable[[str], Container]

# Runs inside the web container: argv = action, then action arguments; prints JSON.
CLIENT = r"""
import json, sys, urllib.request, urllib.error, http.cookiejar
BASE = "http://127.0.0.1"

def opener():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

def call(op, method, path, data=None):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(BASE + path, data=body, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with op.open(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")

action = sys.argv[1]
op = opener()
if action == "home":
    with op.open(BASE + "/", timeout=5) as resp:
        print(json.dumps({"status": resp.status, "body": resp.read().decode()}))
elif action == "health":
    print(json.dumps(call(op, "GET", "/api/health")))
elif action == "plant":
    user, password, note = sys.argv[2:5]
    out = [call(op, "POST", "/api/register", {"username": user, "password": password}),
           call(op, "POST", "/api/notes", {"body": note})]
    print(json.dumps(out))
elif action == "read":
    user, password = sys.argv[2:4]
    out = [call(op, "POST", "/api/login", {"username": user, "password": password}),
           call(op, "GET", "/api/notes")]
    print(json.dumps(out))
"""


def client(box: Container, *args: str) -> Any:
    result = box.python(CLIENT, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def shop_up(box: Container) -> bool:
    result = box.python(CLIENT, "health")
    return result.returncode == 0 and json.loads(result.stdout)[0] == 200


def set_safe_queries(box: Container, value: str) -> None:
    edit = (
        "import configparser, sys\n"
        "c = configparser.ConfigParser(); c.read('/etc/shop/shop.ini')\n"
        "c['shop']['safe_queries'] = sys.argv[1]\n"
        "with open('/etc/shop/shop.ini', 'w') as f: c.write(f)\n"
    )
    assert box.python(edit, value).returncode == 0
    assert box.exec("cr-service", "restart", "shop").returncode == 0


@pytest.fixture
def web(container: Start) -> Container:
    box = container("cyberrange/web")
    wait_for(lambda: shop_up(box), what="the shop on port 80")
    return box


def test_home_page_lists_products_on_port_80(web: Container) -> None:
    page = client(web, "home")
    assert page["status"] == 200
    assert "Hardware security key" in page["body"]
    # the web image is a target: sshd runs too (its host keys are made at first start)
    wait_for(lambda: web.port_open(22), what="sshd on port 22 of the web image")


def test_shop_runs_as_unprivileged_user(web: Container) -> None:
    pid = web.exec("cat", "/run/cr/shop.pid").stdout.strip()
    status = web.exec("cat", f"/proc/{pid}/status").stdout
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    shop_uid = web.exec("id", "-u", "shop").stdout.strip()
    assert uid_line.split()[1:] == [shop_uid] * 4
    assert "safe_queries = false" in web.exec("cat", "/etc/shop/shop.ini").stdout


def plant(web: Container) -> tuple[str, str, str]:
    user, password = f"victim{secrets.token_hex(3)}", secrets.token_hex(8)
    note = f"FLAG{{{secrets.token_hex(8)}}}"
    (register, stored) = client(web, "plant", user, password, note)
    assert register[0] == 201 and stored[0] == 201, (register, stored)
    return user, password, note


def test_sql_injection_reads_another_users_note(web: Container) -> None:
    user, _, note = plant(web)
    (login, notes) = client(web, "read", f"{user}' -- ", "not-the-password")
    assert login == [200, {"id": login[1]["id"], "username": user}]
    assert [n["body"] for n in notes[1]["notes"]] == [note]
    (wrong, _) = client(web, "read", user, "not-the-password")
    assert wrong[0] == 401
    (any_user, _) = client(web, "read", "' OR '1'='1' -- ", "x")
    assert any_user[0] == 200


def test_safe_queries_stop_the_injection(web: Container) -> None:
    user, password, note = plant(web)
    set_safe_queries(web, "true")
    wait_for(lambda: shop_up(web), what="the shop after restart")
    assert client(web, "health") == [200, {"status": "ok", "safe_queries": True}]
    (login, notes) = client(web, "read", f"{user}' -- ", "x")
    assert login[0] == 401 and notes[0] == 401
    (legit, mine) = client(web, "read", user, password)
    assert legit[0] == 200
    assert [n["body"] for n in mine[1]["notes"]] == [note], "notes survive the restart"
    assert "login user=" in web.logs("shop")
