"""Runs the application under gunicorn (a production WSGI server)."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from gunicorn.app.base import BaseApplication

from webui.app import SHUTDOWN_KEY


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn configured from code; the app is built once per worker."""

    def __init__(self, app_factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self._factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        return self._factory()


def _stop_promptly(worker: Any) -> None:
    """gunicorn's post_worker_init hook: on SIGTERM, first run the app's shutdown
    callables (they end live scoreboard streams at once), then gunicorn's own
    handler, which waits for requests in flight; none holds it for long now."""
    original = signal.getsignal(signal.SIGTERM)
    app = worker.wsgi

    def on_term(signum: int, frame: FrameType | None) -> None:
        for stop in getattr(app, "extensions", {}).get(SHUTDOWN_KEY, []):
            stop()
        if callable(original):
            original(signum, frame)

    signal.signal(signal.SIGTERM, on_term)


def _exit_now(_arbiter: Any, _worker: Any) -> None:
    """gunicorn's worker_exit hook: every connection is answered and closed by
    now, so leave without tearing down the interpreter module by module (that
    alone took seconds for a worker that imported the whole platform)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def serve(
    app_factory: Callable[[], Any],
    host: str,
    port: int,
    workers: int = 2,
    threads: int = 16,
    access_log: bool = False,
) -> None:
    # gthread workers: server-sent events hold a thread each, not a whole process.
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,
        "graceful_timeout": 5,  # a ceiling: live streams end on SIGTERM at once
        "post_worker_init": _stop_promptly,
        "worker_exit": _exit_now,
        "accesslog": "-" if access_log else None,
        "limit_request_line": 8190,
    }
    GunicornServer(app_factory, options).run()
