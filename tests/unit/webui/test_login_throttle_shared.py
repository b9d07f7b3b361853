"""The login throttle counts once for every worker: two applications (two gunicorn
workers) on one database share their counters (webui.limit_store); with memory://
each would count alone and a guesser would get twice the tries."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.engine import Engine

from range.config import Settings
from tests.unit.webui.conftest import PASSWORD
from tests.unit.webui.test_auth import _try
from webui.app import ProxySettings, create_app


def _worker(settings: Settings, engine: Engine, storage: str) -> Flask:
    return create_app(settings, engine, secure_cookies=False, testing=True,
                      proxy=ProxySettings(limiter_storage=storage))  # fmt: skip


def test_two_workers_share_the_failed_login_count(
    app: Flask, settings: Settings, engine: Engine
) -> None:
    first, second = (_worker(settings, engine, "cyberrange-db://") for _ in range(2))
    one, two = first.test_client(), second.test_client()
    codes = [_try(one if n % 2 else two, "blue1", "wrong-guess", "198.51.100.7")
             for n in range(6)]  # fmt: skip
    assert codes == [401] * 5 + [429]  # five failures in all, whichever worker saw them
    assert _try(two, "blue1", PASSWORD, "203.0.113.9") == 302  # the owner, elsewhere


def test_memory_counts_per_worker(app: Flask, settings: Settings, engine: Engine) -> None:
    first, second = (_worker(settings, engine, "memory://") for _ in range(2))
    one, two = first.test_client(), second.test_client()
    codes = [_try(one if n % 2 else two, "blue1", "wrong-guess", "198.51.100.7")
             for n in range(6)]  # fmt: skip
    assert codes == [401] * 6  # what the shared store prevents
