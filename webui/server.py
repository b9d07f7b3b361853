"""Runs the application under gunicorn (a production WSGI server)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication


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
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "limit_request_line": 8190,
    }
    GunicornServer(app_factory, options).run()
