"""Benchmark: how long `cyberrange serve` takes to stop on SIGTERM while live
scoreboard streams are open (target: < 2 s).

Seeds a temporary data directory (a white-team account, a running dmz-breach
exercise), starts `cyberrange serve`, opens --streams event streams, sends
SIGTERM and prints the seconds until the process has exited.

    .venv/bin/python bench/serve_stop.py [--streams 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web import free_port  # noqa: E402

from range.config import Settings  # noqa: E402
from tests.unit.webui.conftest import PASSWORD, make_exercise  # noqa: E402


def seed(data_dir: Path) -> None:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine
    from webui.accounts import create_user

    import_all_tables()
    engine = open_engine(Settings(data_dir=data_dir, root=ROOT))
    create_user(engine, "watcher", PASSWORD, "white")
    make_exercise(engine)
    engine.dispose()


def open_stream(url: str) -> requests.Response:
    browser = requests.Session()
    page = browser.get(f"{url}/login", timeout=30).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    browser.post(
        f"{url}/login",
        data={"username": "watcher", "password": PASSWORD, "csrf_token": token},
        timeout=30,
    )
    stream = browser.get(f"{url}/x/drill/events", stream=True, timeout=30)
    next(stream.iter_content(chunk_size=None))
    return stream


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-stop-")) / "data"
    seed(data_dir)
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "cyberrange"),
        "--data-dir",
        str(data_dir),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--insecure-cookies",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(f"{url}/login", timeout=10)
            break
        except requests.RequestException:
            time.sleep(0.2)
    streams = [open_stream(url) for _ in range(args.streams)]
    began = time.perf_counter()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    stopped = time.perf_counter() - began
    for stream in streams:
        stream.close()
    print(
        f"serve stopped {stopped:.2f} s after SIGTERM with {args.streams} open streams "
        f"({args.workers} workers; target < 2 s)"
    )


if __name__ == "__main__":
    main()
