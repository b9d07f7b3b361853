"""Blue team incident reports: the form (with evidence upload), list and detail."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response

from range.errors import RecordError
from records.evidence import EvidenceStore
from records.incidents import RSIT, file_incident, list_incidents, observables_of
from records.tables import EvidenceFile, IncidentReport, Pap, Severity, Tlp
from scoring.reports import report_points
from scoring.tables import Exercise
from webui.accounts import UserRole
from webui.app import web_context
from webui.attack import techniques_for
from webui.auth import require
from webui.pagekit import READ_ALL_ROLES, exercise, own_team, record_action, scenario_of, user
from webui.reportform import check_evidence, incident_input

bp = Blueprint("reports", __name__)


def _store() -> EvidenceStore:
    return EvidenceStore.for_data_dir(web_context().settings.data_dir)


def _form_page(found: Exercise, error: str = "", status: int = 200) -> tuple[str, int]:
    scenario = scenario_of(found)
    page = render_template(
        "report_form.html",
        exercise=found,
        team=own_team(found),
        error=error,
        form=request.form,
        severities=[s.value for s in Severity],
        tlps=[t.value for t in Tlp],
        paps=[p.value for p in Pap],
        rsit=RSIT,
        hosts=sorted(scenario.hosts),
        techniques=techniques_for(scenario),
    )
    return page, status


@bp.route("/x/<name>/reports/new", methods=["GET", "POST"])
@require(UserRole.BLUE)
def new(name: str) -> Response | tuple[str, int]:
    found = exercise(name)
    team = own_team(found)
    if request.method == "GET":
        return _form_page(found)
    try:
        data = incident_input(request.form)
        uploads = check_evidence(request.files.getlist("evidence"))
        engine, me = web_context().engine, user().username
        report = file_incident(engine, found.name, team, me, data, actor=f"web:{me}")
        assert report.id is not None and found.id is not None
        for upload in uploads:
            stored = _store().add(
                engine, found.id, upload.filename or "evidence", upload.stream,  # type: ignore[arg-type]
                uploaded_by=me, incident_id=report.id,
            )
            record_action(found.name, "evidence.upload",
                          {"incident": report.uid, "evidence": stored.uid, "sha256": stored.sha256})
    except RecordError as exc:
        return _form_page(found, str(exc), 400)
    return redirect(url_for("reports.detail", name=found.name, report_id=report.id))


@bp.route("/x/<name>/reports")
@require(UserRole.BLUE)
def own(name: str) -> str:
    found = exercise(name)
    team = own_team(found)
    engine = web_context().engine
    reports = [(r, report_points(engine, found, team, r.uid))
               for r in list_incidents(engine, found.name, team=team)]
    return render_template("reports.html", exercise=found, team=team, reports=reports)


def readable_report(found: Exercise, report_id: int) -> IncidentReport:
    """The report if this user may read it: their own team's, or any for staff.
    Another team's report answers 404, so its existence is not revealed."""
    with Session(web_context().engine) as session:
        report = session.get(IncidentReport, report_id)
    if report is None or report.exercise_id != found.id:
        abort(404)
    if user().role not in READ_ALL_ROLES and report.team != own_team(found):
        abort(404)
    return report


@bp.route("/x/<name>/reports/<int:report_id>")
@require(UserRole.BLUE, *READ_ALL_ROLES)
def detail(name: str, report_id: int) -> str:
    found = exercise(name)
    report = readable_report(found, report_id)
    engine = web_context().engine
    with Session(engine) as session:
        evidence = list(session.exec(select(EvidenceFile).where(
            EvidenceFile.incident_id == report.id).order_by(col(EvidenceFile.id))))
    assert report.id is not None
    return render_template(
        "report_detail.html", exercise=found, report=report, evidence=evidence,
        observables=observables_of(engine, [report.id]),
        points=report_points(engine, found, report.team, report.uid),
    )


@bp.route("/x/<name>/evidence/<int:evidence_id>")
@require(UserRole.BLUE, *READ_ALL_ROLES)
def evidence(name: str, evidence_id: int) -> Response:
    found = exercise(name)
    with Session(web_context().engine) as session:
        record = session.get(EvidenceFile, evidence_id)
    if record is None or record.exercise_id != found.id:
        abort(404)
    if user().role not in READ_ALL_ROLES:
        if record.incident_id is None:
            abort(404)
        readable_report(found, record.incident_id)
    return send_file(
        _store().path_of(record), mimetype=record.media_type, as_attachment=True,
        download_name=record.original_name,
    )
