"""The sandbox pools of trainings, for staff (docs/training.md). Read only: pools
are created, handed out and reset with `cyberrange pool`."""

from __future__ import annotations

from flask import Blueprint, render_template

from range.pool_state import aware, sandboxes
from webui.app import web_context
from webui.auth import require
from webui.pagekit import READ_ALL_ROLES

bp = Blueprint("pools", __name__)


@bp.route("/pools")
@require(*READ_ALL_ROLES)
def index() -> str:
    rows = sandboxes(web_context().engine)
    pools = sorted({r.pool for r in rows})
    shown = [
        (r.pool, r.number, str(r.state), r.holder or "", aware(r.expires_at), r.resets, r.note)
        for r in rows
    ]
    return render_template("pools.html", pools=pools, rows=shown)
