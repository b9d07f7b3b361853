"""The Flask application factory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import Engine

from range.config import Settings
from webui.security import configure_security


@dataclass(frozen=True)
class WebContext:
    """What every view needs; kept on app.extensions, not in a global."""

    settings: Settings
    engine: Engine


def web_context() -> WebContext:
    context: WebContext = current_app.extensions["cyberrange"]
    return context


def create_app(
    settings: Settings,
    engine: Engine | None = None,
    secure_cookies: bool = True,
    testing: bool = False,
) -> Flask:
    if engine is None:
        from range.db import open_engine

        engine = open_engine(settings)
    settings.ensure_data_dir()
    app = Flask(__name__)
    app.config["TESTING"] = testing
    configure_security(app, settings.data_dir, secure_cookies)
    app.extensions["cyberrange"] = WebContext(settings=settings, engine=engine)
    CSRFProtect(app)

    from webui import auth, errors

    auth.init_app(app)
    errors.init_app(app)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    return app


def _blueprints() -> list[Blueprint]:
    """Every page and API blueprint, imported here so the factory stays the one entry."""
    from webui.views import all_blueprints

    return list(all_blueprints())
