"""The home page: sends each role where it works."""

from __future__ import annotations

from flask import Blueprint, render_template

from webui.auth import require

bp = Blueprint("pages", __name__)


@bp.route("/")
@require()
def home() -> str:
    return render_template("home.html")
