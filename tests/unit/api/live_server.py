"""The API served for real: gunicorn (the server `cyberrange serve` runs) in a
child process, over the test world's database. ``app_from_env`` is its factory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[3]
DATA_DIR_ENV = "CYBERRANGE_LIVE_DATA_DIR"


def app_from_env() -> Flask:
    """The application over the database in $CYBERRANGE_LIVE_DATA_DIR (gunicorn's factory)."""
    from cyberrange.tables import import_all_tables
    from range.config import Settings
    from range.db import open_engine
    from webui.app import create_app

    import_all_tables()
    settings = Settings(data_dir=Path(os.environ[DATA_DIR_ENV]), root=ROOT)
    app = create_app(settings, open_engine(settings), secure_cookies=False)
    # Generated requests come faster than a team may submit; the limiter has its own tests.
    app.extensions["cyberrange.submitters"].rate = 1e6
    app.extensions["cyberrange.submitters"].burst = 1e6
    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(data_dir: Path, log: Path) -> Iterator[str]:
    """Serve the app over ``data_dir`` under gunicorn; yields the base URL."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
               "--threads", "8", "--bind", f"127.0.0.1:{port}", "--timeout", "60",
               "tests.unit.api.live_server:app_from_env()"]
    env = {**os.environ, DATA_DIR_ENV: str(data_dir)}
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{base}/api/v1/openapi.json", server, log)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # our own local server
                return
        except OSError:
            time.sleep(0.3)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"gunicorn did not answer in 60 s: {tail}")
