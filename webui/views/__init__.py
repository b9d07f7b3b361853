"""Page and API blueprints."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint


def all_blueprints() -> Iterator[Blueprint]:
    from webui.views import pages

    yield pages.bp
