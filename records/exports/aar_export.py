"""The HSEEP After-Action Report / Improvement Plan, as HTML and PDF (WeasyPrint).

A document of its own beside the technical report (``html``/``pdf``): what a
director signs. Its content is drafted by records.aar from the facts.
"""

from __future__ import annotations

from pathlib import Path

from weasyprint import HTML

from range.taxonomy import release
from records.aar import analyse
from records.exports.data import ExportData
from records.exports.html_export import environment
from records.exports.pdf_export import _no_fetch
from records.exports.stix_objects import strictest


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    minutes, secs = divmod(round(value), 60)
    return f"{minutes} min {secs:02d} s"


def render(data: ExportData) -> str:
    aar = analyse(data)
    ex = data.exercise
    return environment().get_template("aar.html.j2").render(
        exercise=ex, scenario=data.scenario, aar=aar, results=aar.objectives,
        scores=data.scores, training=data.training, seal=data.seal,
        verdict=data.audit_verdict, seconds=_seconds, attack_version=release().version,
        tlp=strictest([r.tlp for r in data.incidents]).value,
        generated=data.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        started=ex.started_at.strftime("%Y-%m-%d %H:%M") if ex.started_at else "-",
        finished=ex.finished_at.strftime("%Y-%m-%d %H:%M") if ex.finished_at else "-",
    )


def write(data: ExportData, out_dir: Path) -> list[Path]:
    text = render(data)
    html = out_dir / f"{data.exercise.name}-aar.html"
    html.write_text(text, encoding="utf-8")
    pdf = out_dir / f"{data.exercise.name}-aar.pdf"
    HTML(string=text, url_fetcher=_no_fetch).write_pdf(pdf)
    return [html, pdf]
