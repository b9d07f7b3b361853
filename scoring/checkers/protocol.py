"""Running checkers in the public attack-defense protocol inside a checker container.

A checker is called ``checker check|put|get HOST [FLAG_ID FLAG VULN]`` and answers
with its exit code: 101 OK, 102 CORRUPT, 103 MUMBLE, 104 DOWN, 110 CHECK_FAILED;
anything else, or a timeout, is CHECK_FAILED. Existing checkers written for other
attack-defense platforms therefore run unchanged.

Jobs are sent in batches: one ``exec`` of the agent program per checker container
runs many checks concurrently inside it (see scoring.checkers.agent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from range.backends.base import ExecResult
from scoring.checkers.status import CheckStatus, status_of_exit_code

TIMEOUT_CODE = -1  # the agent's marker for a check killed after its timeout
_MESSAGE_LIMIT = 300
_EXEC_MARGIN = 15.0  # seconds on top of the longest job for the exec itself


class Executor(Protocol):
    """What the checkers need of a backend: run an argument list in a container."""

    def exec(
        self,
        range_name: str,
        container: str,
        argv: Sequence[str],
        timeout: float | None = None,
        user: str | None = None,
        stdin: str | None = None,
    ) -> ExecResult: ...


@dataclass(frozen=True)
class Phase:
    action: str  # check | put | get
    args: tuple[str, ...] = ()  # FLAG_ID FLAG VULN for put and get


@dataclass(frozen=True)
class Job:
    """The phases of one service's check against one host.

    In order (a DOWN ends the round), or all at once when ``concurrent``: put of
    the new flag, get of the old one and check do not depend on each other.
    """

    id: str
    host: str  # address the checker container reaches the service at
    phases: tuple[Phase, ...]
    timeout: float  # per phase
    script: str | None = None  # key into the batch's scripts
    builtin: Mapping[str, Any] | None = None  # {"kind": "http", "port": 80, ...}
    concurrent: bool = False


@dataclass(frozen=True)
class PhaseResult:
    action: str
    status: CheckStatus
    message: str
    duration: float
    stdout: str = field(default="", repr=False)


@cache
def agent_program() -> str:
    """The builtin checks and the dispatcher as one ``python3 -c`` program."""
    here = Path(__file__).parent
    parts = [(here / name).read_text(encoding="utf-8") for name in ("builtin.py", "agent.py")]
    return "\n".join([*parts, "main()\n"])


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:_MESSAGE_LIMIT] if lines else ""


def crash_summary(stderr: str, lines: int = 3) -> str:
    """The last meaningful lines of a crashed checker's stderr, newest last.

    A Python traceback ends with the exception (``ValueError: bad reply``) and
    starts with ``Traceback (most recent call last):``, which says nothing; so
    the tail is kept, joined by `` | ``, and cut from the front to fit.
    """
    meaningful = [
        line.strip()
        for line in stderr.strip().splitlines()
        if line.strip() and not line.startswith("Traceback (most recent call last)")
        and set(line.strip()) - set("^~ ")  # Python 3.11+'s caret markers
    ]
    text = " | ".join(meaningful[-lines:])
    return text if len(text) <= _MESSAGE_LIMIT - 40 else "…" + text[-(_MESSAGE_LIMIT - 41) :]


def phase_result(raw: Mapping[str, Any], timeout: float) -> PhaseResult:
    """Interpret one phase as the agent reported it."""
    code = int(raw["code"])
    action, duration = str(raw["action"]), float(raw["duration"])
    stdout, stderr = str(raw.get("stdout", "")), str(raw.get("stderr", ""))
    if code == TIMEOUT_CODE:
        message = f"checker timed out after {timeout:g}s"
        return PhaseResult(action, CheckStatus.CHECK_FAILED, message, duration, stdout)
    status = status_of_exit_code(code)
    message = str(raw.get("message") or "")
    if not message:
        # Public protocol: stdout is the public message (for put: the flag id).
        message = _first_line(stderr if action == "put" else stdout) or _first_line(stderr)
    if code not in (101, 102, 103, 104, 110):
        # a crash: the exception, for staff (teams see a check's status, never its message)
        message = f"checker exited with code {code}: {crash_summary(stderr) or message}"
    return PhaseResult(action, status, message[:_MESSAGE_LIMIT], duration, stdout)


def _job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "host": job.host,
        "timeout": job.timeout,
        "script": job.script,
        "builtin": dict(job.builtin) if job.builtin else None,
        "concurrent": job.concurrent,
        "phases": [{"action": p.action, "args": list(p.args)} for p in job.phases],
    }


def failed(jobs: Sequence[Job], message: str) -> dict[str, list[PhaseResult]]:
    return {
        job.id: [PhaseResult(job.phases[0].action, CheckStatus.CHECK_FAILED, message, 0.0)]
        for job in jobs
        if job.phases
    }


def batch_text(jobs: Sequence[Job], scripts: Mapping[str, str], workers: int) -> str:
    used = {job.script for job in jobs if job.script}
    batch = {
        "jobs": [_job_json(job) for job in jobs],
        "scripts": {name: scripts[name] for name in used},
        "workers": workers,
    }
    return json.dumps(batch)


def batch_timeout(jobs: Sequence[Job]) -> float:
    """How long a whole batch may take: its longest job plus a margin."""
    return max(job.timeout * (1 if job.concurrent else len(job.phases)) for job in jobs) + (
        _EXEC_MARGIN
    )


def parse_answer(
    text: str, jobs: Sequence[Job], container: str, detail: str = ""
) -> dict[str, list[PhaseResult]]:
    """The agent's JSON answer as phase results; CHECK_FAILED for all if unreadable."""
    try:
        answer = json.loads(text)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        reason = answer.get("error") if isinstance(answer, dict) else None
        message = f"checker agent failed in {container}: {reason or detail or 'no answer'}"
        return failed(jobs, message[:_MESSAGE_LIMIT])
    items = answer["results"]
    by_id = {job.id: job for job in jobs}
    results: dict[str, list[PhaseResult]] = {}
    for item in items:
        job = by_id.get(str(item["id"]))
        if job is not None:
            results[job.id] = [phase_result(raw, job.timeout) for raw in item["phases"]]
    return results


def run_batch(
    executor: Executor,
    range_name: str,
    container: str,
    jobs: Sequence[Job],
    scripts: Mapping[str, str],
    workers: int = 32,
) -> dict[str, list[PhaseResult]]:
    """Run jobs in one checker container with one exec; job id → its phase results.

    Failures of the container or the agent become CHECK_FAILED for every job:
    the checker infrastructure failing is never the defending team's fault.
    """
    if not jobs:
        return {}
    limit = batch_timeout(jobs)
    argv = ["python3", "-c", agent_program()]
    try:
        result = executor.exec(
            range_name, container, argv, limit, None, batch_text(jobs, scripts, workers)
        )
    except Exception as exc:  # e.g. BackendError: the checker container is gone
        return failed(jobs, f"checker container {container}: {exc}"[:_MESSAGE_LIMIT])
    if result.timed_out:
        return failed(jobs, f"checker container {container} did not answer in {limit:g}s")
    detail = _first_line(result.stderr) or f"exit code {result.exit_code}"
    return parse_answer(result.stdout, jobs, container, detail)


def run_checker(
    executor: Executor,
    range_name: str,
    container: str,
    script: str,
    source: str,
    argv: Sequence[str],
    timeout: float,
) -> PhaseResult:
    """Run one checker invocation, ``argv`` = ``[action, host, *args]``."""
    action, host, *args = argv
    job = Job("one", host, (Phase(action, tuple(args)),), timeout, script=script)
    results = run_batch(executor, range_name, container, [job], {script: source})
    return results["one"][0]
