"""xterm.js, served from the installed distribution that ships it.

The browser terminals use xterm.js 4 and its fit addon as the PyPI package
``webssh`` ships them (``webssh/static/``): a maintained build, installed
with our other dependencies, never copied into this repository and never
fetched from a CDN. (Debian bookworm's ``libjs-xterm`` is not usable: its
``xterm.js`` is a 288-byte stub that ``require``s files it does not ship.)
Only the three files below are served; a missing one answers a page that
says how to install it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

from webui.auth import require

bp = Blueprint("xterm", __name__)
DISTRIBUTION = "webssh"
ASSETS = {
    "xterm.js": ("static/js/xterm.min.js", "text/javascript"),
    "xterm.css": ("static/css/xterm.min.css", "text/css"),
    "xterm-addon-fit.js": ("static/js/xterm-addon-fit.min.js", "text/javascript"),
}


def asset_path(name: str) -> Path | None:
    """The installed file behind an asset name; None when the package is missing."""
    spec = importlib.util.find_spec(DISTRIBUTION)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / ASSETS[name][0]
    return path if path.is_file() else None


@bp.route("/xterm/<asset>")
@require()
def asset(asset: str) -> Response:
    if asset not in ASSETS:
        abort(404, description=f"no xterm asset {asset!r}")
    path = asset_path(asset)
    if path is None:
        abort(
            500,
            description=(
                f"xterm.js is not installed: the browser terminals need the '{DISTRIBUTION}' "
                f"package (pip install -e . in the server's virtual environment)"
            ),
        )
    return send_file(path, mimetype=ASSETS[asset][1], max_age=3600)
