"""The auditor area: findings, incidents, the audit log, training records, exports.

Read-only for auditors; the white team and admins see it too."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, TypeVar

from flask import Blueprint, abort, render_template, request, send_file
from werkzeug.wrappers import Response

from records import audit
from records.audit_seal import Sealer
from records.exports import FORMATS
from records.findings import list_findings
from records.incidents import list_incidents
from records.training import training_records
from webui.app import web_context
from webui.auth import require
from webui.exporting import export_download
from webui.pagekit import READ_ALL_ROLES, exercise, record_action

bp = Blueprint("auditor", __name__)
T = TypeVar("T")
CSV_PARTS = ("findings", "incidents", "training", "scores", "audit")


def _filters() -> dict[str, str]:
    return {k: request.args.get(k, "").strip()[:200] for k in ("team", "severity", "status", "q")}


def _text_of(item: Any, fields: Iterable[str]) -> str:
    return " ".join(str(getattr(item, f, "") or "") for f in fields).lower()


def _plain(item: Any, name: str) -> str:
    value = getattr(item, name, None)
    return str(getattr(value, "value", value))


def filtered(items: Iterable[T], filters: dict[str, str], text_fields: Iterable[str]) -> list[T]:
    """Items matching every filter given (team, severity, status exactly; q as text)."""
    fields = tuple(text_fields)
    kept = []
    for item in items:
        if filters.get("team") and str(getattr(item, "team", "")) != filters["team"]:
            continue
        if filters.get("severity") and _plain(item, "severity") != filters["severity"]:
            continue
        if filters.get("status") and _plain(item, "status") != filters["status"]:
            continue
        if filters.get("q") and filters["q"].lower() not in _text_of(item, fields):
            continue
        kept.append(item)
    return kept


def _page(template: str, name: str, **values: Any) -> str:
    found = exercise(name)
    return render_template(template, exercise=found, filters=_filters(), formats=FORMATS,
                           csv_parts=CSV_PARTS, **values)


@bp.route("/x/<name>/audit/findings")
@require(*READ_ALL_ROLES)
def findings(name: str) -> str:
    rows = list_findings(web_context().engine, exercise(name).name)
    text = ("title", "description", "cwe", "affected_hosts", "techniques", "reporter")
    return _page("audit_findings.html", name, findings=filtered(rows, _filters(), text))


@bp.route("/x/<name>/audit/incidents")
@require(*READ_ALL_ROLES)
def incidents(name: str) -> str:
    rows = list_incidents(web_context().engine, exercise(name).name)
    text = ("title", "description", "rsit_class", "rsit_type", "hosts", "techniques", "reporter")
    return _page("audit_incidents.html", name, incidents=filtered(rows, _filters(), text))


@bp.route("/x/<name>/audit/log")
@require(*READ_ALL_ROLES)
def log(name: str) -> str:
    found = exercise(name)
    engine = web_context().engine
    rows = audit.entries(engine, found.name)
    query = _filters()["q"].lower()
    if query:
        rows = [r for r in rows if query in f"{r.actor} {r.action} {r.details}".lower()]
    return _page("audit_log.html", name, entries=rows[::-1][:1000],
                 verdict=audit.verify(engine, found.name))


@bp.route("/x/<name>/audit/training")
@require(*READ_ALL_ROLES)
def training(name: str) -> str:
    rows = training_records(web_context().engine, exercise(name).name)
    return _page("audit_training.html", name,
                 records=filtered(rows, _filters(), ("username", "display_name", "work_role")))


@bp.route("/x/<name>/audit/export/<fmt>")
@require(*READ_ALL_ROLES)
def download(name: str, fmt: str) -> Response:
    found = exercise(name)
    if fmt not in FORMATS:
        abort(404)
    part = request.args.get("part", "").strip()[:64]
    result = export_download(web_context().engine, found.name, fmt, part,
                             Sealer.for_data_dir(web_context().settings.data_dir))
    record_action(found.name, "records.export", {"format": fmt, "part": part, "file": result.name})
    return send_file(io.BytesIO(result.body), mimetype=result.media_type, as_attachment=True,
                     download_name=result.name)
