"""The home page: lists exercises and sends each role where it works."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlmodel import Session, col, select

from scoring.tables import Exercise
from webui.app import web_context
from webui.auth import require
from webui.membership import visible_exercise_ids
from webui.pagekit import user

bp = Blueprint("pages", __name__)

# Where each role starts inside an exercise (endpoint names).
ROLE_START = {
    "red": "team.submit",
    "blue": "team.dashboard",
    "white": "trainer.console",
    "admin": "trainer.console",
    "auditor": "auditor.findings",
}


@bp.route("/")
@require()
def home() -> str:
    engine = web_context().engine
    visible = visible_exercise_ids(engine, user())
    with Session(engine) as session:
        exercises = list(session.exec(select(Exercise).order_by(col(Exercise.id).desc())))
    exercises = [e for e in exercises if visible is None or e.id in visible]
    return render_template("home.html", exercises=exercises, role_start=ROLE_START)
