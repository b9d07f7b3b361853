from __future__ import annotations

from datetime import UTC, datetime

import pytest
from records_fixtures import sqli
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from range.errors import RecordError
from records.findings import draft_from_facts
from records.incidents import (
    IncidentInput,
    file_incident,
    list_incidents,
    observables_of,
    set_status,
)
from records.tables import FindingLink, IncidentReport, IncidentStatus, Tlp
from scoring.tables import Fact, FactKind


def _report(**overrides: object) -> IncidentInput:
    fields: dict[str, object] = {
        "title": "SQLi on shop", "severity": "high", "tlp": "amber+strict", "pap": "green",
        "rsit_class": "intrusions", "rsit_type": "application-compromise",
        "techniques": ["T1190"], "hosts": ["web"],
        "observables": [("ip", "198.51.100.10"), ("url", "http://10.1.1.10/login")],
        "start": datetime(2026, 1, 1, 10, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return IncidentInput(**fields)  # type: ignore[arg-type]


def test_incident_stored_with_observables(engine: Engine, exercise: str) -> None:
    report = file_incident(engine, exercise, "blue-1", "web:bea", _report())
    assert report.tlp == Tlp.AMBER_STRICT and report.pap.value == "GREEN"
    assert report.status == IncidentStatus.NEW
    assert [(o.data_type, o.value) for o in observables_of(engine, [report.id or 0])] == [
        ("ip", "198.51.100.10"), ("url", "http://10.1.1.10/login")]
    assert [r.uid for r in list_incidents(engine, exercise, team="blue-2")] == []


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": "  "}, "title"),
    ({"tlp": "PURPLE"}, "invalid"),
    ({"rsit_class": "intrusions", "rsit_type": "spam"}, "RSIT"),
    ({"observables": [("shellcode", "x")]}, "observable"),
    ({"end": datetime(2025, 1, 1, tzinfo=UTC)}, "end before"),
])
def test_bad_incident_refused(engine: Engine, exercise: str, overrides: dict[str, object],
                              message: str) -> None:
    with pytest.raises(RecordError, match=message):
        file_incident(engine, exercise, "blue-1", "web:bea", _report(**overrides))
    with Session(engine) as session:
        assert session.exec(select(IncidentReport)).all() == []


def test_matched_red_actions_and_findings_are_linked(engine: Engine, exercise: str) -> None:
    action = sqli(engine)
    draft_from_facts(engine, exercise)
    report = file_incident(engine, exercise, "blue-1", "web:bea", _report(),
                           matcher=lambda _e, _n, _r: [action.id or 0])
    with Session(engine) as session:
        links = session.exec(select(FindingLink).where(
            FindingLink.incident_id == report.id)).all()
    assert {(lk.relation, lk.fact_id is not None, lk.finding_id is not None) for lk in links} == {
        ("matches", True, False), ("matches", False, True)}


def test_default_matcher_scores_and_links(engine: Engine, exercise: str) -> None:
    """scoring.reports matches the report to the red action on blue-1's web host."""
    action = sqli(engine, "blue-1", tick=3)
    sqli(engine, "blue-2", tick=3)  # another copy: not blue-1's business
    report = file_incident(engine, exercise, "blue-1", "web:bea", _report(tick=4))
    with Session(engine) as session:
        fact_ids = session.exec(select(FindingLink.fact_id).where(
            FindingLink.incident_id == report.id)).all()
        matches = session.exec(select(Fact).where(Fact.kind == FactKind.REPORT_MATCH)).all()
    assert fact_ids == [action.id]
    assert [(m.team, m.data["report_ref"]) for m in matches] == [("blue-1", report.uid)]


def test_report_of_other_technique_matches_nothing(engine: Engine, exercise: str) -> None:
    sqli(engine, "blue-1", tick=3)
    report = file_incident(engine, exercise, "blue-1", "web:bea",
                           _report(tick=4, techniques=["T1110"]))
    with Session(engine) as session:
        assert session.exec(select(FindingLink).where(
            FindingLink.incident_id == report.id)).all() == []


def test_status_change(engine: Engine, exercise: str) -> None:
    report = file_incident(engine, exercise, "blue-1", "web:bea", _report())
    assert set_status(engine, exercise, report.id or 0, "resolved", "web:bea").status == \
        IncidentStatus.RESOLVED


@pytest.mark.parametrize("bad", ["T1999", "1190", "T1100"])
def test_unknown_or_revoked_technique_is_refused(engine: Engine, exercise: str, bad: str) -> None:
    with pytest.raises(RecordError, match="invalid incident techniques"):
        file_incident(engine, exercise, "blue-1", "web:bea", _report(techniques=[bad]))
    assert list_incidents(engine, exercise) == []


def test_nist_phases_move_forward_with_a_time_each(engine: Engine, exercise: str) -> None:
    from records import audit
    from records.incidents import Impact, advance
    from records.tables import FunctionalImpact, IncidentPhase

    report = file_incident(engine, exercise, "blue-1", "web:bea", _report())
    assert report.phase == IncidentPhase.DETECTION
    assert report.detected_at is not None and report.host_refs == ["web@blue-1"]
    at = datetime(2026, 1, 1, 10, 20, tzinfo=UTC)
    contained = advance(engine, exercise, report.id or 0, "containment", "web:bea", at=at,
                        impact=Impact(functional="medium", information="privacy-breach"))
    assert contained.status == IncidentStatus.IN_PROGRESS
    assert contained.contained_at is not None and contained.contained_at.hour == 10
    assert contained.functional_impact == FunctionalImpact.MEDIUM
    done = advance(engine, exercise, report.id or 0, "recovery", "web:bea",
                   impact=Impact(recoverability="supplemented"))
    assert done.status == IncidentStatus.RESOLVED and done.eradicated_at is None
    with pytest.raises(RecordError, match="phases only move forward"):
        advance(engine, exercise, report.id or 0, "containment", "web:bea")
    with pytest.raises(RecordError, match="invalid incident phase or impact"):
        advance(engine, exercise, report.id or 0, "post-incident", "web:bea",
                impact=Impact(functional="catastrophic"))
    phases = [e.details["phase"] for e in audit.entries(engine, exercise)
              if e.action == "incident.phase"]
    assert phases == ["containment", "recovery"]
