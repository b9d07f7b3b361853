"""The dmz-breach shop checker against a real cyberrange/web container."""

from __future__ import annotations

from pathlib import Path

import pytest
from chk_helpers import CheckNet, docker  # type: ignore[import-not-found]

from scoring.checkers.protocol import PhaseResult, run_checker
from scoring.checkers.status import CheckStatus

pytestmark = pytest.mark.docker

SHOP = Path(__file__).resolve().parents[3] / "scenarios" / "dmz-breach" / "checkers" / "shop.py"


def shop(net: CheckNet, *argv: str) -> PhaseResult:
    source = SHOP.read_text(encoding="utf-8")
    return run_checker(net.backend, net.range_name, net.checker, "shop.py", source, list(argv), 15)


def test_put_get_check_round_trip(checknet: CheckNet, web_ip: str) -> None:
    assert shop(checknet, "check", web_ip).status is CheckStatus.OK
    put = shop(checknet, "put", web_ip, "ignored", "FLAG{round-trip}", "1")
    assert put.status is CheckStatus.OK
    flag_id = put.stdout.strip()
    assert ":" in flag_id  # user:password, the id get receives
    got = shop(checknet, "get", web_ip, flag_id, "FLAG{round-trip}", "1")
    assert (got.status, got.message) == (CheckStatus.OK, "flag found")
    wrong = shop(checknet, "get", web_ip, flag_id, "FLAG{another}", "1")
    assert wrong.status is CheckStatus.CORRUPT


def test_wiped_notes_are_corrupt(checknet: CheckNet, web_ip: str) -> None:
    put = shop(checknet, "put", web_ip, "x", "FLAG{wiped}", "1")
    assert put.status is CheckStatus.OK
    web = f"{checknet.range_name}-web"
    wipe = "import sqlite3; c = sqlite3.connect('/var/lib/shop/shop.db'); " \
        "c.execute('DELETE FROM notes'); c.commit()"  # fmt: skip
    docker("exec", web, "python3", "-c", wipe)
    got = shop(checknet, "get", web_ip, put.stdout.strip(), "FLAG{wiped}", "1")
    assert (got.status, got.message) == (CheckStatus.CORRUPT, "the flag note is gone")
    gone = shop(checknet, "get", web_ip, "nobody-here:pw", "FLAG{wiped}", "1")
    assert gone.status is CheckStatus.CORRUPT


def test_down_and_mumble(checknet: CheckNet) -> None:
    target = f"{checknet.range_name}-target"
    down = shop(checknet, "check", checknet.target_ip)  # nothing listens on port 80
    assert down.status is CheckStatus.DOWN
    # Some other web server on port 80: it answers, but it is not the shop. It goes
    # away with the container at the end of the session.
    docker("exec", "-d", target, "python3", "-m", "http.server", "80", "--directory", "/tmp")
    for _ in range(20):
        result = shop(checknet, "check", checknet.target_ip)
        if result.status is not CheckStatus.DOWN:
            break
    assert result.status is CheckStatus.MUMBLE
    put = shop(checknet, "put", checknet.target_ip, "x", "FLAG{m}", "1")
    assert put.status is CheckStatus.MUMBLE
