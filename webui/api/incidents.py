"""Incident reports (blue teams file, staff and auditors read) and their evidence."""

from __future__ import annotations

from typing import Any

from flask import request, send_file
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response

from records.evidence import EvidenceStore
from records.incidents import IncidentInput, file_incident, list_incidents, observables_of
from records.tables import EvidenceFile, IncidentReport
from scoring.reports import report_points
from scoring.tables import Exercise
from webui.api.common import (
    READERS,
    caller,
    check_team,
    engine,
    exercise,
    own_team,
    reads_all,
    record,
)
from webui.api.models import MAX_EVIDENCE_FILES, EvidenceForm, IncidentBody, TeamPageQuery
from webui.api.registry import api_route
from webui.app import web_context
from webui.errors import ApiError
from webui.reportform import check_evidence

X = "/exercises/<ex>"


def incident_json(found: Exercise, report: IncidentReport, full: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": report.id, "uid": report.uid, "title": report.title, "team": report.team,
        "reporter": report.reporter, "severity": str(report.severity), "tlp": str(report.tlp),
        "pap": str(report.pap), "rsit_class": report.rsit_class, "rsit_type": report.rsit_type,
        "status": str(report.status), "tick": report.tick,
        "start": report.start.isoformat() if report.start else None,
        "end": report.end.isoformat() if report.end else None,
        "techniques": report.techniques, "hosts": report.hosts,
        "created_at": report.created_at.isoformat(),
        "points": report_points(engine(), found, report.team, report.uid),
    }
    if full:
        assert report.id is not None
        body["description"] = report.description
        body["observables"] = [{"type": o.data_type, "value": o.value}
                               for o in observables_of(engine(), [report.id])]
        body["evidence"] = [evidence_json(e) for e in _evidence_of(report.id)]
    return body


def evidence_json(item: EvidenceFile) -> dict[str, Any]:
    return {"id": item.id, "name": item.original_name, "media_type": item.media_type,
            "size": item.size, "sha256": item.sha256, "uploaded_by": item.uploaded_by}


def _evidence_of(incident_id: int) -> list[EvidenceFile]:
    with Session(engine()) as session:
        return list(session.exec(select(EvidenceFile).where(
            EvidenceFile.incident_id == incident_id).order_by(col(EvidenceFile.id))))


def readable(found: Exercise, incident_id: int) -> IncidentReport:
    """The report if the caller may read it; another team's answers 404, so its
    existence is not revealed."""
    with Session(engine()) as session:
        report = session.get(IncidentReport, incident_id)
    if report is None or report.exercise_id != found.id:
        raise ApiError(404, "not_found", f"no incident report {incident_id}")
    if not reads_all() and report.team != own_team(found):
        raise ApiError(404, "not_found", f"no incident report {incident_id}")
    return report


@api_route("GET", f"{X}/incidents", roles=READERS | {"blue"}, query=TeamPageQuery,
           tag="incidents", summary="List incident reports",
           response="incident reports; blue teams see only their own")
def list_reports(ex: str, query: TeamPageQuery) -> dict[str, Any]:
    found = exercise(ex)
    if reads_all():
        team = check_team(found, query.team) if query.team else None
    else:
        team = own_team(found)
        if query.team not in (None, team):
            raise ApiError(403, "other_team", "blue teams see only their own reports", "team")
    rows = list_incidents(engine(), found.name, team=team)
    page = rows[::-1][query.offset: query.offset + query.limit]
    return {"incidents": [incident_json(found, r) for r in page]}


@api_route("POST", f"{X}/incidents", roles={"blue"}, body=IncidentBody, status=201,
           tag="incidents", summary="File an incident report",
           response="the stored report, matched against red team actions")
def create_report(ex: str, body: IncidentBody) -> dict[str, Any]:
    found = exercise(ex)
    team = own_team(found)
    values = body.model_dump(exclude={"observables"})
    data = IncidentInput(**values, observables=[(o.type, o.value) for o in body.observables])
    report = file_incident(engine(), found.name, team, caller().username, data,
                           actor=f"api:{caller().username}")
    return incident_json(found, report, full=True)


@api_route("GET", f"{X}/incidents/<int:incident_id>", roles=READERS | {"blue"},
           tag="incidents", summary="Show an incident report",
           response="the report with its observables and evidence")
def show_report(ex: str, incident_id: int) -> dict[str, Any]:
    found = exercise(ex)
    return incident_json(found, readable(found, incident_id), full=True)


@api_route("POST", f"{X}/incidents/<int:incident_id>/evidence", roles={"blue"},
           body=EvidenceForm, multipart=True, status=201, tag="incidents",
           summary="Upload evidence",
           response="the stored evidence files (multipart field 'file', repeatable)")
def upload_evidence(ex: str, incident_id: int, body: EvidenceForm) -> dict[str, Any]:
    found = exercise(ex)
    report = readable(found, incident_id)
    if report.team != own_team(found):
        raise ApiError(404, "not_found", f"no incident report {incident_id}")
    unknown = set(request.files) - {"file"}
    if unknown:
        field = sorted(unknown)[0]
        raise ApiError(422, "validation_error", f"{field}: unknown file field", field)
    files = request.files.getlist("file")
    if not files or len(files) > MAX_EVIDENCE_FILES:
        raise ApiError(422, "validation_error",
                       f"send 1 to {MAX_EVIDENCE_FILES} files as 'file'", "file")
    uploads = check_evidence(files)  # RecordError (400) before anything is stored
    store = EvidenceStore.for_data_dir(web_context().settings.data_dir)
    stored = []
    assert found.id is not None and report.id is not None
    for upload in uploads:
        item = store.add(engine(), found.id, upload.filename or "evidence", upload.stream,  # type: ignore[arg-type]
                         uploaded_by=caller().username, incident_id=report.id)
        record(found.name, "evidence.upload", {"incident": report.uid, "evidence": item.uid,
                                               "sha256": item.sha256, "note": body.note})
        stored.append(evidence_json(item))
    return {"evidence": stored}


@api_route("GET", f"{X}/evidence/<int:evidence_id>", roles=READERS | {"blue"},
           tag="incidents", summary="Download evidence", download=True,
           response="the evidence file as stored (its checked media type)")
def download_evidence(ex: str, evidence_id: int) -> Response:
    found = exercise(ex)
    with Session(engine()) as session:
        item = session.get(EvidenceFile, evidence_id)
    if item is None or item.exercise_id != found.id:
        raise ApiError(404, "not_found", f"no evidence {evidence_id}")
    if not reads_all():
        if item.incident_id is None:
            raise ApiError(404, "not_found", f"no evidence {evidence_id}")
        readable(found, item.incident_id)
    store = EvidenceStore.for_data_dir(web_context().settings.data_dir)
    return send_file(store.path_of(item), mimetype=item.media_type, as_attachment=True,
                     download_name=item.original_name)
