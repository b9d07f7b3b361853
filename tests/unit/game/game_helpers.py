"""Helpers of the game tests: a small scenario, and a local executor.

The local executor runs the checker agent as a real process on this machine
(instead of inside a checker container) so protocol and runner logic can be
tested without Docker; the integration tests run the same code in containers.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from range.backends.base import ExecResult


def scenario_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": "cyberrange/v1",
        "name": "gtest",
        "title": "Game test",
        "duration": 60,
        "tick": 10,
        "flag_lifetime": 3,
        "teams": [
            {"name": "red", "role": "red"},
            {"name": "blue", "role": "blue", "copies": 2},
            {"name": "white", "role": "white"},
        ],
        "networks": {"lan": {"subnet": "10.{copy}.0.0/24"}},
        "hosts": {
            "box": {
                "image": "cyberrange/target",
                "networks": {"lan": "10.{copy}.0.10"},
                "services": [{"name": "web", "port": "80/tcp", "check": "http"}],
            }
        },
    }
    data.update(overrides)
    return data


class LocalExecutor:
    """Runs argument lists on this machine; the range and container are ignored."""

    def __init__(self) -> None:
        self.calls = 0

    def exec(
        self,
        range_name: str,
        container: str,
        argv: Sequence[str],
        timeout: float | None = None,
        user: str | None = None,
        stdin: str | None = None,
    ) -> ExecResult:
        self.calls += 1
        try:
            done = subprocess.run(
                list(argv), input=stdin, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return ExecResult(-1, "", "", timed_out=True)
        return ExecResult(done.returncode, done.stdout, done.stderr)


ROOT = Path(__file__).resolve().parents[3]
