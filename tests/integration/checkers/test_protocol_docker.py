"""Checker scripts run inside a real checker container; exit codes map to statuses."""

from __future__ import annotations

import pytest
from chk_helpers import CheckNet, docker  # type: ignore[import-not-found]

from scoring.checkers.protocol import Job, Phase, run_batch, run_checker
from scoring.checkers.status import CheckStatus

pytestmark = pytest.mark.docker

# Prints where it runs, so the test sees it ran inside the checker container.
EXITING = "import socket, sys\nprint(socket.gethostname(), sys.argv[1])\nsys.exit({code})\n"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (101, CheckStatus.OK),
        (102, CheckStatus.CORRUPT),
        (103, CheckStatus.MUMBLE),
        (104, CheckStatus.DOWN),
        (110, CheckStatus.CHECK_FAILED),
        (7, CheckStatus.CHECK_FAILED),
    ],
)
def test_exit_code_mapping(checknet: CheckNet, code: int, status: CheckStatus) -> None:
    result = run_checker(
        checknet.backend, checknet.range_name, checknet.checker, "exit.py",
        EXITING.format(code=code), ["check", checknet.target_ip], 10,
    )  # fmt: skip
    assert result.status is status
    assert result.message.startswith("checker ") if code == 7 else result.message == "checker check"


def test_timeout_kills_the_checker(checknet: CheckNet) -> None:
    script = "import subprocess, time\nsubprocess.Popen(['sleep', '300'])\ntime.sleep(300)\n"
    result = run_checker(
        checknet.backend, checknet.range_name, checknet.checker, "hang.py", script,
        ["check", checknet.target_ip], 1.0,
    )  # fmt: skip
    assert result.status is CheckStatus.CHECK_FAILED
    assert result.message == "checker timed out after 1s"
    procs = docker("exec", checknet.checker, "sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '")
    assert "sleep 300" not in procs.stdout  # the whole process group was killed


def test_put_get_arguments_and_flag_id(checknet: CheckNet) -> None:
    script = (
        "import sys\nopen('/tmp/chk-' + sys.argv[3], 'a').close()\n"
        "print('id-' + sys.argv[3])\nsys.exit(101)\n"
    )
    job = Job("j", checknet.target_ip, (Phase("put", ("abc", "FLAG{x}", "1")),), 10, script="p.py")
    [put] = run_batch(checknet.backend, checknet.range_name, checknet.checker, [job],
                      {"p.py": script})["j"]  # fmt: skip
    assert put.status is CheckStatus.OK and put.stdout.strip() == "id-abc"


def test_many_jobs_in_one_exec(checknet: CheckNet) -> None:
    script = "import sys, time\ntime.sleep(0.5)\nsys.exit(101)\n"
    jobs = [
        Job(str(i), checknet.target_ip, (Phase("check"),), 10, script="s.py") for i in range(20)
    ]
    results = run_batch(checknet.backend, checknet.range_name, checknet.checker, jobs,
                        {"s.py": script})  # fmt: skip
    assert {r[0].status for r in results.values()} == {CheckStatus.OK}
    assert len(results) == 20


def test_missing_container_is_check_failed(checknet: CheckNet) -> None:
    result = run_checker(checknet.backend, checknet.range_name, "chktest-no-such-container",
                         "x.py", "print(1)", ["check", "10.61.0.99"], 5)  # fmt: skip
    assert result.status is CheckStatus.CHECK_FAILED
    assert "chktest-no-such-container" in result.message
