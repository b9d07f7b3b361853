"""The Flask application factory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from range.config import Settings
from webui.inputs import BoundedInt
from webui.security import configure_security


@dataclass(frozen=True)
class WebContext:
    """What every view needs; kept on app.extensions, not in a global."""

    settings: Settings
    engine: Engine


def web_context() -> WebContext:
    context: WebContext = current_app.extensions["cyberrange"]
    return context


SHUTDOWN_KEY = "cyberrange.on-shutdown"  # callables webui.server runs on SIGTERM
DEFAULT_LIVE_STREAMS = 8  # of a worker's 16 threads; `cyberrange serve` sets threads // 2


@dataclass(frozen=True)
class TerminalLimits:
    """Browser terminals: idle seconds before a session is closed, sessions per user."""

    idle_seconds: float = 900.0
    per_user: int = 3


@dataclass(frozen=True)
class ProxySettings:
    """Reverse proxies in front of the app, and the login limiter's store."""

    trusted_proxies: int = 0  # 0: the peer address is the client's
    # The project's database: one count for every worker (webui.limit_store);
    # memory:// counts per worker, redis://host shares it with other hosts too.
    limiter_storage: str = "cyberrange-db://"


def create_app(
    settings: Settings,
    engine: Engine | None = None,
    secure_cookies: bool = True,
    testing: bool = False,
    live_streams: int = DEFAULT_LIVE_STREAMS,
    terminals: TerminalLimits | None = None,
    proxy: ProxySettings | None = None,
) -> Flask:
    """The application. `live_streams`: scoreboard event streams served at once
    (each holds a server thread); past it, pages poll the board instead.
    `proxy`: how many reverse proxies to trust for X-Forwarded-For/-Proto, and
    where login throttling keeps its counters."""
    if engine is None:
        from range.db import open_engine

        engine = open_engine(settings)
    settings.ensure_data_dir()
    app = Flask(__name__)
    app.url_map.converters["int"] = BoundedInt  # before any route: ids fit 64 bits
    proxy = proxy or ProxySettings()
    if proxy.trusted_proxies > 0:
        # Only the configured number of proxies is believed; a client's own
        # X-Forwarded-For entries beyond them are ignored (Werkzeug ProxyFix).
        hops = proxy.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config["TESTING"] = testing
    limits = terminals or TerminalLimits()
    app.config["TERMINAL_IDLE_SECONDS"] = limits.idle_seconds
    app.config["TERMINAL_SESSIONS_PER_USER"] = limits.per_user
    # flask-sock's server pings every 20 s: a browser that vanished without
    # closing its socket (sleep, network gone) ends its terminal session.
    app.config["SOCK_SERVER_OPTIONS"] = {"ping_interval": 20}
    configure_security(app, settings.data_dir, secure_cookies)
    app.extensions["cyberrange"] = WebContext(settings=settings, engine=engine)
    CSRFProtect(app)

    from webui import auth, boardcache, boardjson, errors, submitting

    auth.init_app(app, proxy.limiter_storage)
    errors.init_app(app)
    submitting.install(app)
    app.extensions[boardcache.CACHE_KEY] = boardcache.BoardCache()
    slots = app.extensions[boardjson.SLOTS_KEY] = boardjson.StreamSlots(live_streams)
    app.extensions[SHUTDOWN_KEY] = [slots.stopping.set]  # run by webui.server on SIGTERM
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    return app


def _blueprints() -> list[Blueprint]:
    """Every page and API blueprint, imported here so the factory stays the one entry."""
    from webui.views import all_blueprints

    return list(all_blueprints())
