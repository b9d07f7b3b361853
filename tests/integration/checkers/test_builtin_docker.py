"""Built-in tcp/http/ssh checks from inside the checker container against real services."""

from __future__ import annotations

from typing import Any

import pytest
from chk_helpers import CheckNet  # type: ignore[import-not-found]

from scoring.checkers.protocol import Job, Phase, run_batch
from scoring.checkers.status import CheckStatus

pytestmark = pytest.mark.docker


def builtin(net: CheckNet, host: str, **spec: Any) -> tuple[CheckStatus, str]:
    job = Job("b", host, (Phase("check"),), 5.0, builtin=spec)
    [result] = run_batch(net.backend, net.range_name, net.checker, [job], {})["b"]
    return result.status, result.message


def test_tcp(checknet: CheckNet) -> None:
    assert builtin(checknet, checknet.target_ip, kind="tcp", port=22)[0] is CheckStatus.OK
    status, message = builtin(checknet, checknet.target_ip, kind="tcp", port=2222)
    assert status is CheckStatus.DOWN and "refused" in message.lower()


def test_ssh_banner(checknet: CheckNet) -> None:
    status, message = builtin(checknet, checknet.target_ip, kind="ssh", port=22)
    assert status is CheckStatus.OK and message.startswith("SSH-2.0-")
    assert builtin(checknet, checknet.target_ip, kind="ssh", port=2222)[0] is CheckStatus.DOWN


def test_http_against_a_non_http_port_mumbles(checknet: CheckNet) -> None:
    status, _ = builtin(checknet, checknet.target_ip, kind="http", port=22, path="/")
    assert status is CheckStatus.MUMBLE


def test_http_against_the_shop(checknet: CheckNet, web_ip: str) -> None:
    spec = {"kind": "http", "port": 80, "path": "/", "expect_status": 200}
    assert builtin(checknet, web_ip, **spec)[0] is CheckStatus.OK
    assert (
        builtin(checknet, web_ip, **spec, expect_text="no-such-text-xyz")[0] is CheckStatus.MUMBLE
    )
    wrong = {**spec, "path": "/no-such-page-xyz"}
    status, message = builtin(checknet, web_ip, **wrong)
    assert status is CheckStatus.MUMBLE and "expected 200" in message
    assert builtin(checknet, web_ip, kind="ssh", port=80)[0] is CheckStatus.MUMBLE
