from __future__ import annotations

import pytest
from records_fixtures import EXERCISE, add_fact, sqli
from sqlalchemy.engine import Engine

from range.errors import NotFoundError, RecordError
from records import audit
from records.cvss import base_score
from records.findings import create_finding, draft_from_facts, list_findings, update_finding
from records.tables import FindingStatus, Severity
from scoring.tables import FactKind


def test_red_action_drafts_finding_with_scenario_metadata(engine: Engine, exercise: str) -> None:
    sqli(engine)
    (finding,) = draft_from_facts(engine, exercise)
    assert finding.title == "SQL injection in login form"
    assert finding.cwe == "CWE-89"
    assert finding.techniques == ["T1190"]
    assert finding.severity == Severity.CRITICAL  # the CVSS rating of 9.1, not "high"
    assert finding.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"
    assert finding.cvss_score == 9.1
    assert finding.mitigation.startswith("Use parameterised queries")
    assert finding.affected_hosts == ["web@blue-1"]
    assert finding.status == FindingStatus.DRAFT and finding.auto and finding.team == "red"
    assert "OR 1=1" in finding.steps_to_reproduce


def test_drafting_is_idempotent(engine: Engine, exercise: str) -> None:
    sqli(engine)
    assert len(draft_from_facts(engine, exercise)) == 1
    assert draft_from_facts(engine, exercise) == []
    assert len(list_findings(engine, exercise)) == 1


def test_duplicates_are_linked_not_repeated(engine: Engine, exercise: str) -> None:
    sqli(engine, "blue-1", 3)
    sqli(engine, "blue-2", 4)
    sqli(engine, "blue-1", 9)
    draft_from_facts(engine, exercise)
    (finding,) = list_findings(engine, exercise, include_duplicates=True)
    assert finding.affected_hosts == ["web@blue-1", "web@blue-2"]


def test_technique_only_action_finds_vulnerability(engine: Engine, exercise: str) -> None:
    add_fact(engine, EXERCISE, tick=2, kind=FactKind.RED_ACTION, team="red", target="blue-2",
             host="web", outcome="success", data={"technique": "T1110.001"})
    (finding,) = draft_from_facts(engine, exercise)
    assert finding.vulnerability == "weak-ssh-password" and finding.cwe == "CWE-521"
    assert finding.severity == Severity.MEDIUM and finding.cvss_score is None


def test_failed_action_and_service_capture_draft_nothing(engine: Engine, exercise: str) -> None:
    add_fact(engine, EXERCISE, tick=2, kind=FactKind.RED_ACTION, team="red", target="blue-1",
             host="web", outcome="failed", data={"technique": "T1190"})
    add_fact(engine, EXERCISE, tick=2, kind=FactKind.CAPTURE, team="red", target="blue-1",
             service="shop", data={"flag_kind": "service"})
    assert draft_from_facts(engine, exercise) == []


def test_objective_capture_drafts_critical_finding(engine: Engine, exercise: str) -> None:
    add_fact(engine, EXERCISE, tick=7, kind=FactKind.CAPTURE, team="red", target="blue-2",
             data={"flag_kind": "objective", "slot": 0})
    (finding,) = draft_from_facts(engine, exercise)
    assert finding.severity == Severity.CRITICAL
    assert finding.affected_hosts == ["db@blue-2"]


def test_white_team_edits_and_confirms(engine: Engine, exercise: str) -> None:
    sqli(engine)
    (finding,) = draft_from_facts(engine, exercise)
    assert finding.id is not None
    done = update_finding(engine, exercise, finding.id, "web:walter", confirm=True,
                          impact="Customer data readable", severity="critical")
    assert done.status == FindingStatus.CONFIRMED and done.confirmed_by == "web:walter"
    assert done.severity == Severity.CRITICAL
    actions = [e.action for e in audit.entries(engine, exercise)]
    assert actions == ["finding.draft", "finding.confirm"]
    assert audit.verify(engine, exercise).ok


def test_update_rejects_unknown_field_and_finding(engine: Engine, exercise: str) -> None:
    with pytest.raises(RecordError):
        update_finding(engine, exercise, 1, "w", reporter="someone")
    with pytest.raises(NotFoundError):
        update_finding(engine, exercise, 999, "w", title="x")
    with pytest.raises(NotFoundError):
        draft_from_facts(engine, "rec-nope")


def test_manual_duplicate_points_to_original(engine: Engine, exercise: str) -> None:
    first = create_finding(engine, exercise, "web:rita", "red", "SQLi!",
                           vulnerability="sqli-login", affected_hosts=["web@blue-1"])
    second = create_finding(engine, exercise, "web:rob", "red", "Same SQLi",
                            vulnerability="sqli-login", affected_hosts=["web@blue-2"])
    assert first.cwe == "CWE-89" and second.duplicate_of_id == first.id
    assert [f.id for f in list_findings(engine, exercise)] == [first.id]


def test_manual_finding_rejects_unknown_vulnerability(engine: Engine, exercise: str) -> None:
    with pytest.raises(RecordError, match="no vulnerability"):
        create_finding(engine, exercise, "r", "red", "x", vulnerability="nope")


def test_hostile_text_is_stored_as_given(engine: Engine, exercise: str) -> None:
    payload = "=cmd|' /C calc'!A0 <script>alert(1)</script>"
    finding = create_finding(engine, exercise, "r", "red", payload, description=payload)
    (stored,) = list_findings(engine, exercise)
    assert stored.title == payload == finding.description


@pytest.mark.parametrize(("vector", "score"), [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
    ("CVSS:3.1/AV:N/AC:L/PR:H/UI:R/S:C/C:L/I:L/A:N", 4.8),
    ("CVSS:3.0/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:N", 0.0),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
])
def test_cvss_base_score(vector: str, score: float) -> None:
    assert base_score(vector) == score


def test_cvss_rejects_bad_vector() -> None:
    with pytest.raises(RecordError):
        base_score("CVSS:3.1/AV:X/AC:L")


def test_detected_compromise_still_becomes_a_finding(engine: Engine, exercise: str) -> None:
    """Blue's report matched the SQL injection before any draft: it is still a finding,
    and the incident links to it once drafted."""
    from sqlmodel import Session, select

    from records.incidents import IncidentInput, file_incident
    from records.tables import FindingLink

    action = sqli(engine, "blue-1", tick=3)
    report = file_incident(engine, exercise, "blue-1", "web:bea",
                           IncidentInput(title="SQLi on shop", techniques=["T1190"],
                                         hosts=["web"], tick=4))
    (finding,) = draft_from_facts(engine, exercise)
    assert finding.vulnerability == "sqli-login"
    with Session(engine) as session:
        links = session.exec(select(FindingLink).where(
            FindingLink.incident_id == report.id)).all()
    assert {(lk.fact_id, lk.finding_id) for lk in links} == {(action.id, None),
                                                             (None, finding.id)}
    assert draft_from_facts(engine, exercise) == []  # no second link, no second finding


def test_cwe_and_techniques_are_validated_on_input(engine: Engine, exercise: str) -> None:
    finding = create_finding(engine, exercise, "web:rita", "red", "Weak ACL", cwe="cwe-284",
                             techniques=["t1078"])
    assert finding.cwe == "CWE-284" and finding.techniques == ["T1078"]
    with pytest.raises(RecordError, match="T1999 is not an ATT&CK technique"):
        create_finding(engine, exercise, "web:rita", "red", "Typo", techniques=["T1999"])
    with pytest.raises(RecordError, match="'CWE89' is not a CWE id"):
        update_finding(engine, exercise, finding.id or 0, "web:walter", cwe="CWE89")


def test_severity_follows_cvss_v3_and_v4(engine: Engine, exercise: str) -> None:
    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N"
    finding = create_finding(engine, exercise, "web:rita", "red", "v4", cvss_vector=v4)
    assert (finding.cvss_score, finding.severity) == (9.3, Severity.CRITICAL)
    low = "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"
    done = update_finding(engine, exercise, finding.id or 0, "web:walter", cvss_vector=low)
    assert (done.cvss_score, done.severity) == (1.6, Severity.LOW)
    with pytest.raises(RecordError, match="severity High disagrees with the CVSS vector"):
        update_finding(engine, exercise, finding.id or 0, "web:walter", severity="high")
    with pytest.raises(RecordError, match="Duplicate metric"):
        base_score("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N")
