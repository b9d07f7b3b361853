"""The dispatcher that runs one copy's checks INSIDE its checker container.

``python3 -c PROGRAM`` reads a JSON batch on stdin, runs every job
concurrently (a job = the phases of one service, in order) and prints JSON
results; with ``--serve`` it stays up and answers one batch per line, so one
long-lived ``docker exec -i`` per copy serves every tick.

Each checker run is its own process, as the protocol expects, but Python
checkers are started by ``fork`` of this already running interpreter (with
common modules imported once) instead of a fresh ``python3``: interpreter
start-up was most of the cost of a tick. Other scripts
(a non-Python shebang) are ``exec``-ed. One process group per run, killed
whole on timeout. Built-in checks are the ``check_*`` functions of
scoring.checkers.builtin, prepended to this text, run in a forked child too.

Standard library only, no package imports, no ``from __future__``: this module
is shipped as program text (see :func:`scoring.checkers.protocol.agent_program`).
"""

import contextlib
import json
import os
import selectors
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import deque
from typing import Any

TIMEOUT_CODE = -1  # our marker for "killed after its timeout"
CRASH_CODE = 110
OUTPUT_LIMIT = 4096
PRELOAD = ("json", "re", "random", "string", "socket", "urllib.request", "http.client", "requests")


def preload() -> None:
    """Import what checkers usually import, once, so forked runs start warm."""
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception:  # noqa: S112 (optional: not every container has requests)
            continue


class Script:
    """A checker script, written once to a private folder and compiled once."""

    def __init__(self, folder: str, index: int, name: str, text: str) -> None:
        subdir = os.path.join(folder, str(index))  # noqa: PTH118
        os.mkdir(subdir, 0o700)  # noqa: PTH102
        self.path = os.path.join(subdir, os.path.basename(name) or "checker")  # noqa: PTH118, PTH119
        with open(self.path, "w", encoding="utf-8") as handle:  # noqa: PTH123
            handle.write(text)
        os.chmod(self.path, 0o700)  # noqa: PTH101
        first = text.split("\n", 1)[0]
        self.native = first.startswith("#!") and "python" not in first
        self.code: Any = None
        self.error = ""
        if not self.native:
            try:
                self.code = compile(text, self.path, "exec")
            except SyntaxError as exc:
                self.error = f"checker does not compile: {exc}"


class ScriptStore:
    """Scripts by name and content; kept for the whole session, on tmpfs when there is one."""

    def __init__(self) -> None:
        shm = "/dev/shm"  # noqa: S108 (private 0700 folder below it)
        base = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None  # noqa: PTH112
        self.folder = tempfile.mkdtemp(prefix="cyberrange-checks-", dir=base)
        self.scripts: dict[tuple[str, str], Script] = {}

    def get(self, sources: dict[str, str]) -> dict[str, Script]:
        found = {}
        for name, text in sources.items():
            key = (name, text)
            if key not in self.scripts:
                self.scripts[key] = Script(self.folder, len(self.scripts), name, text)
            found[name] = self.scripts[key]
        return found

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def run_script_in_child(script: Script, argv: list[str]) -> int:
    """In the forked child: run the script as ``__main__`` without touching the disk."""
    if script.native:
        os.execv(script.path, [script.path, *argv])  # noqa: S606 (argument list, no shell)
    if script.error:
        print(script.error, file=sys.stderr)
        return 1
    sys.argv = [script.path, *argv]
    sys.path.insert(0, os.path.dirname(script.path))  # noqa: PTH120
    namespace = {"__name__": "__main__", "__file__": script.path, "__builtins__": __builtins__}
    try:
        exec(script.code, namespace)  # noqa: S102 (the trainer's checker, in its container)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    return 0


def child(job: dict[str, Any], phase: dict[str, Any], scripts: dict[str, Script]) -> int:
    builtin = job.get("builtin")
    if builtin:
        check = globals()["check_" + builtin["kind"]]
        # A bit under the phase deadline, so a silent host is reported DOWN, not killed.
        code, message = check(
            job["host"], int(builtin["port"]), 0.8 * float(job["timeout"]), builtin
        )
        print(message)
        return int(code)
    argv = [phase["action"], job["host"], *phase.get("args", [])]
    return run_script_in_child(scripts[job["script"]], argv)


def spawn(
    job: dict[str, Any], phase: dict[str, Any], scripts: dict[str, Script]
) -> tuple[int, int, int]:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own process group, output into the pipes
        code = CRASH_CODE
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            for fd in (null, out_r, out_w, err_r, err_w):
                os.close(fd)
            code = child(job, phase, scripts)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):  # exiting anyway
                    stream.flush()
            os._exit(code & 0xFF if code >= 0 else 1)
    os.close(out_w)
    os.close(err_w)
    return pid, out_r, err_r


class Run:
    """One phase of one job, running in a child process."""

    def __init__(
        self, index: int, phase: int, pid: int, fds: tuple[int, int], timeout: float
    ) -> None:
        self.index, self.phase, self.pid = index, phase, pid
        self.output: dict[int, bytearray] = {fd: bytearray() for fd in fds}
        self.open = set(fds)
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.code: int | None = None


class Loop:
    """Single-threaded: forks runs, collects their output, enforces deadlines."""

    def __init__(
        self, jobs: list[dict[str, Any]], scripts: dict[str, Script], workers: int
    ) -> None:
        self.jobs, self.scripts, self.workers = jobs, scripts, max(1, workers)
        self.results: list[list[dict[str, Any]]] = [[] for _ in jobs]
        # Concurrent jobs start every phase at once; the others one after another.
        self.queue: deque[tuple[int, int]] = deque(
            (i, p)
            for i, job in enumerate(jobs)
            for p in range(
                len(job["phases"]) if job.get("concurrent") else min(1, len(job["phases"]))
            )
        )
        self.active: dict[int, Run] = {}  # fd → run
        self.selector = selectors.DefaultSelector()

    def start(self, index: int, phase: int) -> None:
        job = self.jobs[index]
        pid, out_r, err_r = spawn(job, job["phases"][phase], self.scripts)
        run = Run(index, phase, pid, (out_r, err_r), float(job["timeout"]))
        for fd in (out_r, err_r):
            self.active[fd] = run
            self.selector.register(fd, selectors.EVENT_READ)

    def runs(self) -> list[Run]:
        return list({id(run): run for run in self.active.values()}.values())

    def run(self) -> list[list[dict[str, Any]]]:
        while self.queue or self.active:
            while self.queue and len(self.runs()) < self.workers:
                self.start(*self.queue.popleft())
            self.step()
        self.selector.close()
        return self.results

    def step(self) -> None:
        runs = self.runs()
        now = time.monotonic()
        wait = max(0.0, min(run.deadline for run in runs) - now) if runs else 0.0
        if any(not run.open for run in runs):
            wait = min(wait, 0.02)  # output closed, process not gone yet: poll
        for key, _ in self.selector.select(timeout=min(wait, 0.5)):
            run = self.active[int(key.fd)]
            data = os.read(int(key.fd), 65536)
            if data and len(run.output[int(key.fd)]) < 4 * OUTPUT_LIMIT:
                run.output[int(key.fd)] += data
            elif not data:
                self.close_fd(run, int(key.fd))
        for run in self.runs():
            if not run.open and self.reap(run, block=False):
                continue
            if time.monotonic() >= run.deadline:
                self.kill(run)

    def close_fd(self, run: Run, fd: int) -> None:
        self.selector.unregister(fd)
        os.close(fd)
        run.open.discard(fd)

    def kill(self, run: Run) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        for fd in list(run.open):
            self.close_fd(run, fd)
        run.code = TIMEOUT_CODE
        self.reap(run, block=True)

    def reap(self, run: Run, block: bool) -> bool:
        """Collect the run's exit status; False if it has not exited yet."""
        pid, status = os.waitpid(run.pid, 0 if block else os.WNOHANG)
        if pid == 0:
            return False
        if run.code is None:
            run.code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(run.pid, signal.SIGKILL)  # leftovers of the run's group go with it
        for fd in [fd for fd, r in self.active.items() if r is run]:
            del self.active[fd]
        self.finish(run)
        return True

    def finish(self, run: Run) -> None:
        job = self.jobs[run.index]
        out, err = (bytes(buffer).decode("utf-8", "replace") for buffer in run.output.values())
        builtin = bool(job.get("builtin"))
        self.results[run.index].append(
            {
                "index": run.phase,
                "action": job["phases"][run.phase]["action"],
                "code": run.code,
                "message": out.strip()[:OUTPUT_LIMIT] if builtin else "",
                "stdout": "" if builtin else out[:OUTPUT_LIMIT],
                "stderr": err[-OUTPUT_LIMIT:],
                "duration": round(time.monotonic() - run.started, 4),
            }
        )
        self.results[run.index].sort(key=lambda result: int(result["index"]))
        down = run.code in (104, TIMEOUT_CODE)  # later phases cannot succeed
        if not job.get("concurrent") and not down and run.phase + 1 < len(job["phases"]):
            self.queue.appendleft((run.index, run.phase + 1))


def handle(batch: dict[str, Any], store: ScriptStore) -> dict[str, Any]:
    jobs = batch["jobs"]
    scripts = store.get(batch.get("scripts", {}))
    results = Loop(jobs, scripts, int(batch.get("workers", 32))).run()
    answer = [
        {"id": job["id"], "phases": phases} for job, phases in zip(jobs, results, strict=True)
    ]
    return {"results": answer}


def serve(store: ScriptStore) -> None:
    """Session mode: one JSON batch per line in, one JSON answer per line out, until EOF."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = handle(json.loads(line), store)
        except Exception as exc:  # a bad batch must not end the session
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def main() -> None:
    store = ScriptStore()
    try:
        if "--serve" in sys.argv:
            preload()  # pays off over a session's many batches, not for one
            serve(store)
        else:
            sys.stdout.write(json.dumps(handle(json.load(sys.stdin), store)))
            sys.stdout.flush()
    finally:
        store.close()
