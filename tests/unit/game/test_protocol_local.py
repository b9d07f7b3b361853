"""The checker protocol and built-in checks, with the agent as a real local process."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scoring.checkers.protocol import Executor as LocalExecutor
from scoring.checkers.protocol import Job, Phase, run_batch, run_checker
from scoring.checkers.status import CheckStatus, status_of_exit_code, worst

EXITING = "import sys\nprint('said ' + sys.argv[1])\nsys.exit({code})\n"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (101, CheckStatus.OK),
        (102, CheckStatus.CORRUPT),
        (103, CheckStatus.MUMBLE),
        (104, CheckStatus.DOWN),
        (110, CheckStatus.CHECK_FAILED),
        (1, CheckStatus.CHECK_FAILED),
        (0, CheckStatus.CHECK_FAILED),
    ],
)
def test_exit_codes(local_executor: LocalExecutor, code: int, status: CheckStatus) -> None:
    result = run_checker(
        local_executor, "r", "c", "x.py", EXITING.format(code=code), ["check", "h"], 5
    )
    assert result.status is status
    assert "said check" in result.message
    if code not in (101, 102, 103, 104, 110):
        assert f"exited with code {code}" in result.message


CRASHING = """def talk(reply):
    raise ValueError("unexpected reply: " + reply)

talk("HTTP/1.1 500")
"""


def test_a_crash_is_reported_by_its_exception(local_executor: LocalExecutor) -> None:
    result = run_checker(local_executor, "r", "c", "x.py", CRASHING, ["check", "h"], 5)
    assert result.status is CheckStatus.CHECK_FAILED
    assert result.message.startswith("checker exited with code 1: ")
    assert "Traceback" not in result.message
    assert result.message.endswith("ValueError: unexpected reply: HTTP/1.1 500")
    assert 'line 2, in talk' in result.message  # where it was raised, for staff


def test_timeout_is_check_failed_and_says_so(local_executor: LocalExecutor) -> None:
    script = "import time\ntime.sleep(30)\n"
    result = run_checker(local_executor, "r", "c", "slow.py", script, ["check", "h"], 0.5)
    assert result.status is CheckStatus.CHECK_FAILED
    assert "timed out after 0.5s" in result.message
    assert result.duration < 5


def test_put_receives_protocol_arguments(local_executor: LocalExecutor) -> None:
    script = "import sys\nprint('|'.join(sys.argv[1:]))\nsys.exit(101)\n"
    job = Job("j", "10.0.0.5", (Phase("put", ("id7", "FLAG{x}", "1")),), 5, script="p.py")
    [put] = run_batch(local_executor, "r", "c", [job], {"p.py": script})["j"]
    assert put.status is CheckStatus.OK
    assert put.stdout.strip() == "put|10.0.0.5|id7|FLAG{x}|1"


def test_shebang_scripts_run_directly(local_executor: LocalExecutor) -> None:
    script = "#!/bin/sh\necho shell\nexit 103\n"
    result = run_checker(local_executor, "r", "c", "s.sh", script, ["check", "h"], 5)
    assert (result.status, result.message) == (CheckStatus.MUMBLE, "shell")


def test_down_skips_later_phases(local_executor: LocalExecutor) -> None:
    script = "import sys\nsys.exit(104 if sys.argv[1] == 'put' else 101)\n"
    phases = (Phase("put", ("i", "f", "1")), Phase("check"))
    job = Job("j", "h", phases, 5, script="d.py")
    results = run_batch(local_executor, "r", "c", [job], {"d.py": script})["j"]
    assert [r.status for r in results] == [CheckStatus.DOWN]


def test_worst_and_mapping() -> None:
    assert worst([]) is CheckStatus.OK
    assert worst([CheckStatus.OK, CheckStatus.CORRUPT, CheckStatus.MUMBLE]) is CheckStatus.MUMBLE
    assert worst([CheckStatus.CHECK_FAILED, CheckStatus.DOWN]) is CheckStatus.DOWN
    assert status_of_exit_code(999) is CheckStatus.CHECK_FAILED


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = 200 if self.path == "/" else 404
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"Welcome to the shop")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _builtin(executor: LocalExecutor, **spec: object) -> CheckStatus:
    job = Job("b", "127.0.0.1", (Phase("check"),), 3, builtin=spec)
    return run_batch(executor, "r", "c", [job], {})["b"][0].status


def test_builtin_http(local_executor: LocalExecutor, http_port: int, closed_port: int) -> None:
    ok = {"kind": "http", "port": http_port, "path": "/", "expect_status": 200}
    assert _builtin(local_executor, **ok) is CheckStatus.OK
    assert _builtin(local_executor, **ok, expect_text="shop") is CheckStatus.OK
    assert _builtin(local_executor, **ok, expect_text="bank") is CheckStatus.MUMBLE
    assert _builtin(local_executor, **{**ok, "path": "/gone"}) is CheckStatus.MUMBLE
    assert _builtin(local_executor, **{**ok, "port": closed_port}) is CheckStatus.DOWN


def test_builtin_tcp_and_ssh(
    local_executor: LocalExecutor, http_port: int, closed_port: int
) -> None:
    assert _builtin(local_executor, kind="tcp", port=http_port) is CheckStatus.OK
    assert _builtin(local_executor, kind="tcp", port=closed_port) is CheckStatus.DOWN
    assert _builtin(local_executor, kind="ssh", port=closed_port) is CheckStatus.DOWN


def test_dead_container_is_check_failed_for_every_job() -> None:
    class Gone:
        def exec(self, *args: object, **kwargs: object) -> object:
            raise RuntimeError("no such container")

    jobs = [
        Job(str(i), "h", (Phase("check"),), 1, builtin={"kind": "tcp", "port": 1}) for i in range(3)
    ]
    results = run_batch(Gone(), "r", "c1-checker", jobs, {})  # type: ignore[arg-type]
    assert {r[0].status for r in results.values()} == {CheckStatus.CHECK_FAILED}
    assert "c1-checker" in results["0"][0].message


def test_concurrent_phases_run_at_the_same_time(
    local_executor: LocalExecutor, tmp_path: Path
) -> None:
    # put waits for a file that only check creates: it can only pass if both run at once.
    script = (
        "import os, sys, time\n"
        "marker = os.path.join(sys.argv[2], 'checked')\n"
        "if sys.argv[1] == 'check':\n"
        "    open(marker, 'w').close()\n"
        "    sys.exit(101)\n"
        "for _ in range(100):\n"
        "    if os.path.exists(marker):\n"
        "        sys.exit(101)\n"
        "    time.sleep(0.05)\n"
        "sys.exit(103)\n"
    )
    phases = (Phase("put", ("i", "f", "1")), Phase("check"))
    together = Job("a", str(tmp_path), phases, 10, script="c.py", concurrent=True)
    results = run_batch(local_executor, "r", "c", [together], {"c.py": script})["a"]
    assert [(r.action, r.status) for r in results] == [
        ("put", CheckStatus.OK),
        ("check", CheckStatus.OK),
    ]
