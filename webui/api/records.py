"""Findings, the audit log, training records and exports."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

from flask import send_file
from werkzeug.wrappers import Response

from records import audit
from records.audit_seal import Sealer
from records.exports import FORMATS
from records.findings import list_findings, update_finding
from records.tables import Finding
from records.training import training_records
from webui.api.common import READERS, STAFF, caller, engine, exercise, own_team, reads_all, record
from webui.api.models import ExportQuery, FindingConfirm, PageQuery
from webui.api.registry import api_route
from webui.app import web_context
from webui.errors import ApiError
from webui.exporting import export_download

X = "/exercises/<ex>"


def finding_json(item: Finding) -> dict[str, Any]:
    return {
        "id": item.id, "uid": item.uid, "title": item.title, "description": item.description,
        "severity": str(item.severity), "cwe": item.cwe, "cvss_vector": item.cvss_vector,
        "cvss_score": item.cvss_score, "techniques": item.techniques,
        "affected_hosts": item.affected_hosts, "steps_to_reproduce": item.steps_to_reproduce,
        "impact": item.impact, "mitigation": item.mitigation, "status": str(item.status),
        "reporter": item.reporter, "team": item.team, "vulnerability": item.vulnerability,
        "tick": item.tick, "confirmed_by": item.confirmed_by,
        "confirmed_at": item.confirmed_at.isoformat() if item.confirmed_at else None,
    }


@api_route("GET", f"{X}/findings", roles=READERS | {"red"}, tag="records",
           summary="List findings", response="findings; red teams see only their own team's")
def findings(ex: str) -> dict[str, Any]:
    found = exercise(ex)
    rows = list_findings(engine(), found.name)
    if not reads_all():
        team = own_team(found)
        rows = [row for row in rows if row.team == team]
    return {"findings": [finding_json(row) for row in rows]}


@api_route("POST", f"{X}/findings/<int:finding_id>/confirm", roles=STAFF, body=FindingConfirm,
           tag="records", summary="Confirm a finding",
           response="the confirmed finding (with any edits sent)")
def confirm_finding(ex: str, finding_id: int, body: FindingConfirm) -> dict[str, Any]:
    found = exercise(ex)
    edits = body.model_dump(exclude_none=True)
    changed = update_finding(engine(), found.name, finding_id, caller().username, confirm=True,
                             **edits)
    record(found.name, "finding.confirm", {"finding": finding_id, "fields": sorted(edits)})
    return finding_json(changed)


@api_route("GET", f"{X}/audit", roles=READERS, query=PageQuery, tag="records",
           summary="Read the audit log", response="audit entries in chain order")
def audit_log(ex: str, query: PageQuery) -> dict[str, Any]:
    found = exercise(ex)
    rows = audit.entries(engine(), found.name)[query.offset: query.offset + query.limit]
    return {"entries": [
        {"seq": r.seq, "at": r.at, "actor": r.actor, "action": r.action, "details": r.details,
         "prev_hash": r.prev_hash, "hash": r.hash}
        for r in rows
    ]}


@api_route("GET", f"{X}/audit/verify", roles=READERS, tag="records",
           summary="Verify the audit log",
           response="whether the hash chain is intact, else the first altered entry")
def audit_verify(ex: str) -> dict[str, Any]:
    verdict = audit.verify(engine(), exercise(ex).name)
    return {**asdict(verdict), "text": str(verdict)}


@api_route("GET", f"{X}/training", roles=READERS, tag="records",
           summary="Read training records",
           response="per participant: role, team, score, success, duration, NICE work role")
def training(ex: str) -> dict[str, Any]:
    rows = training_records(engine(), exercise(ex).name)
    return {"records": [
        {key: value for key, value in asdict(row).items() if key != "statements"}
        | {"statements": len(row.statements)}
        for row in rows
    ]}


@api_route("GET", f"{X}/exports/<fmt>", roles=READERS, query=ExportQuery, tag="records",
           download=True, summary="Download an export",
           response=f"the export as a file (one of {', '.join(FORMATS)}); "
                    "several files come zipped")
def download_export(ex: str, fmt: str, query: ExportQuery) -> Response:
    found = exercise(ex)
    if fmt not in FORMATS:
        raise ApiError(404, "unknown_format", f"no export format {fmt!r}; choose from "
                       f"{', '.join(FORMATS)}", "fmt")
    result = export_download(engine(), found.name, fmt, query.part,
                             Sealer.for_data_dir(web_context().settings.data_dir))
    record(found.name, "records.export", {"format": fmt, "part": query.part, "file": result.name})
    return send_file(io.BytesIO(result.body), mimetype=result.media_type, as_attachment=True,
                     download_name=result.name)
