"""Browser terminals at once through gunicorn: keystroke echo latency.

Deploys a small range (two blue copies and a red attack box, the terminal
tests' scenario in its own address block, named t14benc-<random>), starts
`cyberrange serve` (gunicorn, gthread workers) on a temporary data directory,
opens `--terminals` WebSockets at once spread over the range's hosts, and in
every terminal types `--keys` single characters one at a time, timing each
from send to its echo on the socket. Prints open times and the echo
latencies (p50, p95, max); the target is p95 < 50 ms.

    .venv/bin/python bench/terminals.py [--terminals 20] [--keys 30] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from cyberrange.tables import import_all_tables  # noqa: E402
from range.config import Settings  # noqa: E402
from range.db import open_engine  # noqa: E402
from tests.integration.browser.terminal_support import Term, term_range, web_login  # noqa: E402
from webui.accounts import create_user  # noqa: E402

PASSWORD = "bench terminals password"
HOSTS = (("blue-1", "box", 1), ("blue-2", "box", 2), ("red", "attacker", 0))


def _serve(
    data_dir: Path, port: int, workers: int, threads: int, log: Path
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CYBERRANGE_DATA_DIR": str(data_dir)}
    command = [
        str(Path(sys.executable).parent / "cyberrange"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--insecure-cookies",
        "--terminal-sessions",
        "100",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def _wait_listening(url: str, process: subprocess.Popen[bytes]) -> None:
    import requests

    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("the server exited")
        try:
            requests.get(f"{url}/login", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("the server did not answer")


def _echoes(term: Term, keys: int, into: list[float]) -> None:
    term.type("\r")
    term.expect("# ", seconds=180)
    for n in range(keys):
        char = "abcdefghijklmnopqrstuvwxyz"[n % 26]
        before = len(term.seen)
        start = time.perf_counter()
        term.type(char)
        while char not in term.seen[before:]:
            term.seen += term.ws.recv()
        into.append((time.perf_counter() - start) * 1000)
    term.type("\x15")  # Ctrl-U: forget the line


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(terminals: int, keys: int, workers: int) -> None:
    import_all_tables()
    folder = Path(tempfile.mkdtemp(prefix="bench-terminals-"))
    settings = Settings(data_dir=folder / "data", root=ROOT)
    engine = open_engine(settings)
    for team, _, _ in HOSTS:
        create_user(
            engine, f"bench-{team}", PASSWORD, "red" if team == "red" else "blue", team=team
        )
    port = 18000 + os.getpid() % 1000
    url = f"http://127.0.0.1:{port}"
    threads = max(16, 2 * terminals + 8)  # each terminal holds a request thread
    with term_range(settings, engine, "bench", folder) as name:
        server = _serve(settings.data_dir, port, workers, threads, folder / "server.log")
        try:
            _wait_listening(url, server)
            _measure(url, name, terminals, keys, workers, threads)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _measure(url: str, name: str, terminals: int, keys: int, workers: int, threads: int) -> None:
    clients = {team: web_login(url, f"bench-{team}", PASSWORD) for team, _, _ in HOSTS}
    opened: list[Term] = []
    start = time.perf_counter()
    for n in range(terminals):
        team, host, copy = HOSTS[n % len(HOSTS)]
        opened.append(Term(url, f"/x/{name}/terminal/{host}/{copy}/ws", clients[team]))
    open_seconds = time.perf_counter() - start
    latencies: list[list[float]] = [[] for _ in opened]
    workers_threads = [
        threading.Thread(target=_echoes, args=(t, keys, into))
        for t, into in zip(opened, latencies, strict=True)
    ]
    for thread in workers_threads:
        thread.start()
    for thread in workers_threads:
        thread.join()
    for term in opened:
        term.close()
    values = [v for one in latencies for v in one]
    print(f"terminals at once: {terminals} (gunicorn: {workers} workers x {threads} threads)")
    print(f"sockets opened in {open_seconds:.2f} s")
    print(
        f"keystroke echo over {len(values)} keys: p50 {statistics.median(values):.1f} ms, "
        f"p95 {_percentile(values, 0.95):.1f} ms, max {max(values):.1f} ms (target p95 < 50 ms)"
    )
    print(f"load average now: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--keys", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    run(args.terminals, args.keys, args.workers)


if __name__ == "__main__":
    main()
