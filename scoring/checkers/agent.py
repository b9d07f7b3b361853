"""The dispatcher that runs one copy's checks INSIDE its checker container.

One ``docker exec`` per copy and tick: ``python3 -c PROGRAM`` reads a JSON batch
on stdin, runs every job concurrently (a job = the phases of one service, in
order), and prints JSON results. Checker scripts are written to a private
temporary folder and run with the public protocol's argv; built-in checks are
the ``check_*`` functions of scoring.checkers.builtin, prepended to this text.

Standard library only, no package imports, no ``from __future__``: this module
is shipped as program text (see :func:`scoring.checkers.protocol.agent_program`).
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

TIMEOUT_CODE = -1  # our marker for "killed after its timeout"
OUTPUT_LIMIT = 4096


def run_script(path: str, argv: list[str], timeout: float) -> tuple[int, str, str]:
    """Run one checker invocation in its own process group; kill the group on timeout."""
    with open(path, "rb") as handle:  # noqa: PTH123 (no pathlib needed in the container)
        shebang = handle.read(2) == b"#!"
    command = [path, *argv] if shebang else [sys.executable, path, *argv]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=os.path.dirname(path),  # noqa: PTH120
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        return TIMEOUT_CODE, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    return process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def run_phase(
    job: dict[str, Any], phase: dict[str, Any], scripts: dict[str, str]
) -> dict[str, Any]:
    timeout = float(job["timeout"])
    started = time.monotonic()
    stdout = stderr = ""
    builtin = job.get("builtin")
    try:
        if builtin:
            check = globals()["check_" + builtin["kind"]]
            code, message = check(job["host"], int(builtin["port"]), timeout, builtin)
        else:
            argv = [phase["action"], job["host"], *phase.get("args", [])]
            code, stdout, stderr = run_script(scripts[job["script"]], argv, timeout)
            message = ""
    except Exception as exc:  # a broken check must not take the batch down
        code, message = 110, f"checker error: {type(exc).__name__}: {exc}"
    return {
        "action": phase["action"],
        "code": code,
        "message": message,
        "stdout": stdout[:OUTPUT_LIMIT],
        "stderr": stderr[-OUTPUT_LIMIT:],
        "duration": round(time.monotonic() - started, 4),
    }


def run_job(job: dict[str, Any], scripts: dict[str, str]) -> dict[str, Any]:
    phases = []
    for phase in job["phases"]:
        result = run_phase(job, phase, scripts)
        phases.append(result)
        if result["code"] in (104, TIMEOUT_CODE):  # down: later phases cannot succeed
            break
    return {"id": job["id"], "phases": phases}


def write_scripts(folder: str, sources: dict[str, str]) -> dict[str, str]:
    paths = {}
    for index, (name, text) in enumerate(sorted(sources.items())):
        subdir = os.path.join(folder, str(index))  # noqa: PTH118
        os.mkdir(subdir, 0o700)  # noqa: PTH102
        path = os.path.join(subdir, os.path.basename(name) or "checker")  # noqa: PTH118, PTH119
        with open(path, "w", encoding="utf-8") as handle:  # noqa: PTH123
            handle.write(text)
        os.chmod(path, 0o700)  # noqa: PTH101
        paths[name] = path
    return paths


def main() -> None:
    batch = json.load(sys.stdin)
    jobs = batch["jobs"]
    folder = tempfile.mkdtemp(prefix="cyberrange-checks-")
    try:
        scripts = write_scripts(folder, batch.get("scripts", {}))
        workers = max(1, min(len(jobs), int(batch.get("workers", 32))))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda job: run_job(job, scripts), jobs))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    json.dump({"results": results}, sys.stdout)
