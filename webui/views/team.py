"""Red and blue team pages: the team dashboard and flag submission."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template, request

from records.incidents import list_incidents
from scoring.ledger import facts
from scoring.reports import report_points
from scoring.tables import Exercise, Fact, FactKind
from webui.accounts import UserRole
from webui.app import web_context
from webui.auth import require
from webui.pagekit import TEAM_ROLES, exercise, own_team, scenario_of, user
from webui.submitting import AuditNote, pool

bp = Blueprint("team", __name__)
MAX_FLAGS_PER_FORM = 500
SERVICE_TICKS = 12  # ticks of service history shown to a blue team


@bp.route("/x/<name>/team")
@require(*TEAM_ROLES)
def dashboard(name: str) -> str:
    found = exercise(name)
    team = own_team(found)
    assert found.id is not None
    engine = web_context().engine
    own = facts(engine, found.id, team=team)
    reports = list_incidents(engine, found.name, team=team)
    return render_template(
        "team.html",
        exercise=found,
        team=team,
        submissions=[f for f in own if f.kind == FactKind.SUBMISSION][-100:][::-1],
        service_ticks=_service_ticks([f for f in own if f.kind == FactKind.CHECK]),
        reports=[(r, report_points(engine, found, team, r.uid)) for r in reports],
        injects=_injects_for(found, team),
        hints=_hints_taken(found, [f for f in own if f.kind == FactKind.HINT]),
    )


def _service_ticks(checks: list[Fact]) -> dict[str, Any]:
    """Rows of the last ticks, columns host/service, cells the check status."""
    by_tick: dict[int, dict[str, str]] = {}
    for fact in checks:
        by_tick.setdefault(fact.tick, {})[f"{fact.host}/{fact.service}"] = fact.outcome or "?"
    ticks = sorted(by_tick, reverse=True)[:SERVICE_TICKS]
    columns = sorted({key for tick in ticks for key in by_tick[tick]})
    return {"columns": columns, "rows": [(tick, by_tick[tick]) for tick in ticks]}


def _injects_for(found: Exercise, team: str) -> list[Fact]:
    """Injects sent to this team, its role, its base team name, or everyone."""
    assert found.id is not None
    role = str(user().role)
    wanted = {"all", team, role, team.rsplit("-", 1)[0]}
    injects = facts(web_context().engine, found.id, kinds=[FactKind.INJECT])
    return [f for f in injects if (f.target or "all") in wanted and f.message][::-1]


def _hints_taken(found: Exercise, hints: list[Fact]) -> list[tuple[Fact, str]]:
    texts = {h.id: h.text for h in scenario_of(found).hints}
    return [(f, texts.get(str(f.data.get("hint")), "")) for f in hints]


def split_flags(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text) if part][:MAX_FLAGS_PER_FORM]


@bp.route("/x/<name>/submit", methods=["GET", "POST"])
@require(UserRole.RED)
def submit(name: str) -> str:
    found = exercise(name)
    team = own_team(found)
    results = []
    if request.method == "POST":
        flags = split_flags(request.form.get("flags", ""))
        if flags:
            me = user().username
            note = AuditNote(me, "web")  # written with the answers, in their transaction
            engine = web_context().engine
            results = pool().submit(engine, found.name, team, flags, f"web:{me}", note)
    return render_template("submit.html", exercise=found, team=team, results=results)
