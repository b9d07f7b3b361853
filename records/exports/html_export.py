"""The after-action report as HTML (Jinja2, autoescaped) — also the PDF's source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from records.exports import charts
from records.exports.cells import visible
from records.exports.data import ExportData
from records.tables import FindingStatus


def environment() -> Environment:
    return Environment(
        loader=PackageLoader("records.exports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=_inert,
    )


def _inert(value: Any) -> Any:
    """Every value printed by the template: control characters (invalid in HTML,
    escape sequences in a terminal) made visible; our own markup left as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


def _teams(data: ExportData) -> list[dict[str, Any]]:
    return [{
        "name": t.name, "role": t.role, "total": t.total,
        "findings": sum(1 for f in data.findings if f.team == t.name),
        "incidents": sum(1 for i in data.incidents if i.team == t.name),
        "actions": sum(1 for a in data.red_actions if a.team == t.name),
    } for t in data.scores.teams]


def _incidents(data: ExportData) -> list[dict[str, Any]]:
    out = []
    for report in data.incidents:
        facts, findings = data.incident_links(report.id)
        out.append({"report": report, "observables": data.observables.get(report.id or 0, []),
                    "red_actions": facts, "findings": findings})
    return out


def render(data: ExportData) -> str:
    template = environment().get_template("report.html.j2")
    return template.render(
        exercise=data.exercise, scenario=data.scenario,
        generated=data.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        findings=data.findings, duplicates=data.duplicates,
        confirmed=sum(1 for f in data.findings if f.status == FindingStatus.CONFIRMED),
        incidents=_incidents(data), scores=data.scores, teams=_teams(data),
        training=data.training, evidence=data.evidence, verdict=data.audit_verdict,
        seal=data.seal,
        coordination=data.coordination,
        # Our own matplotlib output; the text inside it is escaped by matplotlib.
        topology_svg=Markup(charts.topology(data.scenario, data.exercise.range_name)),  # noqa: S704
        timeline_svg=Markup(charts.score_timeline(data.scores)),  # noqa: S704
    )


def write(data: ExportData, out_dir: Path) -> list[Path]:
    path = out_dir / f"{data.exercise.name}-report.html"
    path.write_text(render(data), encoding="utf-8")
    return [path]
