"""Findings: drafted from the ledger, edited and confirmed by the white team.

When red captures an objective or reports an exploited vulnerability (a
RED_ACTION fact naming a vulnerability or technique), :func:`draft_from_facts`
writes a draft finding pre-filled from the scenario's vulnerability metadata.
The same vulnerability on the same host found again by the same team (e.g. in
another blue copy) is linked to the first finding, not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from range.errors import NotFoundError, RecordError
from range.scenario.models import Scenario, Vulnerability
from range.taxonomy import TaxonomyError, check_cwe, check_techniques
from records import audit
from records.common import SEVERITY_FROM_SCENARIO, exercise_id, get_exercise, scenario_of
from records.cvss import base_score, severity_of
from records.tables import Finding, FindingLink, FindingStatus, Severity
from scoring.tables import Exercise, Fact, FactKind

SUCCESS_OUTCOMES = frozenset({"success", "succeeded", "exploited", "ok", "done"})
EDITABLE = frozenset({
    "title", "description", "severity", "cwe", "cvss_vector", "techniques", "affected_hosts",
    "steps_to_reproduce", "impact", "mitigation", "status",
})


@dataclass(frozen=True)
class Draft:
    """What one fact says a finding should contain."""

    key: str
    host_ref: str  # "web@blue-1"
    fields: dict[str, Any]


def _vulnerability_for(scenario: Scenario, fact: Fact) -> Vulnerability | None:
    host = scenario.hosts.get(fact.host or "")
    if host is None:
        return None
    wanted = fact.data.get("vulnerability")
    technique = fact.data.get("technique") or fact.data.get("attack")
    for vuln in host.vulnerabilities:
        if wanted == vuln.id or (wanted is None and technique and technique == vuln.attack):
            return vuln
    return None


def _vulnerability_fields(vuln: Vulnerability) -> dict[str, Any]:
    return {
        "title": vuln.title,
        "description": vuln.description,
        "severity": severity_of(vuln.cvss) if vuln.cvss else SEVERITY_FROM_SCENARIO[vuln.severity],
        "cwe": vuln.cwe,
        "cvss_vector": vuln.cvss,
        "cvss_score": base_score(vuln.cvss) if vuln.cvss else None,
        "techniques": [vuln.attack] if vuln.attack else [],
        "mitigation": vuln.mitigation,
        "vulnerability": vuln.id,
    }


def is_objective_capture(fact: Fact) -> bool:
    kind = str(fact.data.get("flag_kind", fact.data.get("kind", ""))).lower()
    return kind in ("objective", "1")


def is_objective(finding: Finding) -> bool:
    """A finding that records an objective reached (a capture), not a vulnerability."""
    return ":objective:" in (finding.dedup_key or "")


def objective_host(scenario: Scenario, fact: Fact) -> str:
    """The host of a captured objective flag: named in the fact, or by its index."""
    if fact.host:
        return fact.host
    slot = int(fact.data.get("slot", 0))
    holders = [name for name, host in scenario.hosts.items() for _ in host.flags]
    return holders[slot] if 0 <= slot < len(holders) else "unknown"


def draft_for(scenario: Scenario, fact: Fact) -> Draft | None:
    """The draft finding a fact calls for, or None if it calls for none."""
    target = fact.target or "?"
    if fact.kind == FactKind.CAPTURE and is_objective_capture(fact):
        host = objective_host(scenario, fact)
        fields: dict[str, Any] = {
            "title": f"Objective reached: flag captured on {host}",
            "description": f"Team {fact.team} captured the objective flag on {host} "
                           f"of {target}.",
            "severity": Severity.CRITICAL,
            "impact": "An attacker read data the scenario marks as its objective.",
        }
        return Draft(f"{fact.team}:objective:{host}", f"{host}@{target}", fields)
    if fact.kind != FactKind.RED_ACTION or (fact.outcome or "").lower() not in SUCCESS_OUTCOMES:
        return None
    vuln = _vulnerability_for(scenario, fact)
    if vuln is None:
        return None
    fields = _vulnerability_fields(vuln)
    fields["steps_to_reproduce"] = str(fact.data.get("steps", fact.message or ""))
    fields["impact"] = str(fact.data.get("impact", ""))
    return Draft(f"{fact.team}:{vuln.id}:{fact.host}", f"{fact.host}@{target}", fields)


def _linked_fact_ids(session: Session, ex_id: int) -> set[int]:
    """Facts already turned into a finding (its source or a duplicate of it).

    Only links that name a finding count: a red action that an incident report
    matched (a "matches" link with no finding) is a detected compromise, and
    still becomes a finding.
    """
    rows = session.exec(select(FindingLink.fact_id).where(
        FindingLink.exercise_id == ex_id, col(FindingLink.fact_id).is_not(None),
        col(FindingLink.finding_id).is_not(None)))
    return {row for row in rows if row is not None}


def _link_incidents(session: Session, ex_id: int, fact_id: int | None, finding_id: int) -> None:
    """Link a finding to the incident reports that already matched its red action."""
    incidents = set(session.exec(select(FindingLink.incident_id).where(
        FindingLink.exercise_id == ex_id, FindingLink.fact_id == fact_id,
        col(FindingLink.incident_id).is_not(None))))
    known = set(session.exec(select(FindingLink.incident_id).where(
        FindingLink.finding_id == finding_id, col(FindingLink.incident_id).is_not(None))))
    for incident_id in sorted(i for i in incidents - known if i is not None):
        session.add(FindingLink(exercise_id=ex_id, incident_id=incident_id,
                                finding_id=finding_id, relation="matches"))


def draft_from_facts(engine: Engine, exercise_name: str, actor: str = "auto") -> list[Finding]:
    """Draft findings for every capture/red action not yet linked to one. Idempotent."""
    created: list[Finding] = []
    with Session(engine) as session:
        exercise = get_exercise(session, exercise_name)
        ex_id, scenario = exercise_id(exercise), scenario_of(exercise)
        linked = _linked_fact_ids(session, ex_id)
        facts = session.exec(select(Fact).where(
            Fact.exercise_id == ex_id,
            col(Fact.kind).in_([FactKind.CAPTURE, FactKind.RED_ACTION]),
        ).order_by(col(Fact.id)))
        for fact in facts:
            draft = draft_for(scenario, fact) if fact.id not in linked else None
            if draft is not None:
                finding = _apply_draft(session, ex_id, fact, draft)
                if finding is not None:
                    created.append(finding)
        session.commit()
        for finding in created:
            session.refresh(finding)
    for finding in created:
        audit.append(engine, exercise_name, actor, "finding.draft",
                     {"finding": finding.uid, "title": finding.title})
    return created


def _apply_draft(session: Session, ex_id: int, fact: Fact, draft: Draft) -> Finding | None:
    """Create the finding, or link the fact to the one it duplicates (returns None)."""
    existing = session.exec(select(Finding).where(
        Finding.exercise_id == ex_id, Finding.dedup_key == draft.key,
        col(Finding.duplicate_of_id).is_(None))).first()
    if existing is not None:
        if draft.host_ref not in existing.affected_hosts:
            existing.affected_hosts = [*existing.affected_hosts, draft.host_ref]
        session.add(existing)
        session.add(FindingLink(exercise_id=ex_id, finding_id=existing.id, fact_id=fact.id,
                                relation="duplicate"))
        assert existing.id is not None  # loaded from the database
        _link_incidents(session, ex_id, fact.id, existing.id)
        return None
    finding = Finding(exercise_id=ex_id, reporter="auto", team=fact.team or "", auto=True,
                      tick=fact.tick, dedup_key=draft.key, affected_hosts=[draft.host_ref],
                      **draft.fields)
    session.add(finding)
    session.flush()
    session.add(FindingLink(exercise_id=ex_id, finding_id=finding.id, fact_id=fact.id,
                            relation="source"))
    assert finding.id is not None  # flushed
    _link_incidents(session, ex_id, fact.id, finding.id)
    return finding


def create_finding(engine: Engine, exercise_name: str, actor: str, team: str,
                   title: str, **fields: Any) -> Finding:
    """A finding filed by hand. A duplicate of an existing one points to it."""
    unknown = set(fields) - EDITABLE - {"vulnerability", "tick"}
    if unknown or not title.strip():
        raise RecordError(f"invalid finding: unknown fields {sorted(unknown)} or empty title")
    with Session(engine) as session:
        exercise = get_exercise(session, exercise_name)
        ex_id = exercise_id(exercise)
        finding = Finding(exercise_id=ex_id, title=title, reporter=actor, team=team)
        _set_fields(finding, exercise, fields)
        if finding.vulnerability:
            hosts = finding.affected_hosts or ["?"]
            finding.dedup_key = f"{team}:{finding.vulnerability}:{hosts[0].split('@')[0]}"
            original = session.exec(select(Finding).where(
                Finding.exercise_id == ex_id, Finding.dedup_key == finding.dedup_key,
                col(Finding.duplicate_of_id).is_(None))).first()
            finding.duplicate_of_id = original.id if original else None
        session.add(finding)
        session.commit()
        session.refresh(finding)
    audit.append(engine, exercise_name, actor, "finding.create",
                 {"finding": finding.uid, "title": title, "duplicate_of": finding.duplicate_of_id})
    return finding


def _set_fields(finding: Finding, exercise: Exercise, fields: dict[str, Any]) -> None:
    vuln_id = fields.pop("vulnerability", None)
    if vuln_id:
        for host in scenario_of(exercise).hosts.values():
            for vuln in host.vulnerabilities:
                if vuln.id == vuln_id:
                    prefill = _vulnerability_fields(vuln)
                    prefill.pop("title")
                    for key, value in prefill.items():
                        setattr(finding, key, value)
        if finding.vulnerability != vuln_id:
            raise RecordError(f"the scenario has no vulnerability {vuln_id!r}")
    for key, value in fields.items():
        value = _checked(key, value)
        if key == "severity":
            value = Severity.parse(str(value))
        elif key == "status":
            value = FindingStatus(value)
        setattr(finding, key, value)
    _reconcile_severity(finding, "severity" in fields)


def _reconcile_severity(finding: Finding, severity_given: bool) -> None:
    """With a CVSS vector, the severity is its rating: a different one is an error."""
    if not finding.cvss_vector:
        finding.cvss_score = None
        return
    rating = severity_of(finding.cvss_vector)
    if severity_given and finding.severity != rating:
        raise RecordError(f"severity {finding.severity.value} disagrees with the CVSS vector "
                          f"(score {base_score(finding.cvss_vector)}, {rating.value})")
    finding.severity, finding.cvss_score = rating, base_score(finding.cvss_vector)


def _checked(key: str, value: Any) -> Any:
    """ATT&CK ids and CWE ids as typed by a person: validated, canonically spelled."""
    try:
        if key == "techniques":
            return check_techniques([str(v) for v in value or []])
        if key == "cwe" and value:
            return check_cwe(str(value))
    except TaxonomyError as exc:
        raise RecordError(f"invalid finding {key}: {exc}") from exc
    return value


def update_finding(engine: Engine, exercise_name: str, finding_id: int, actor: str,
                   confirm: bool = False, **fields: Any) -> Finding:
    """Edit a finding (white team); ``confirm`` marks it checked and confirmed."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise RecordError(f"cannot edit finding fields {sorted(unknown)}")
    with Session(engine) as session:
        exercise = get_exercise(session, exercise_name)
        finding = session.get(Finding, finding_id)
        if finding is None or finding.exercise_id != exercise.id:
            raise NotFoundError(f"no finding {finding_id} in exercise {exercise_name!r}")
        _set_fields(finding, exercise, dict(fields))
        if confirm:
            finding.status = FindingStatus.CONFIRMED
            finding.confirmed_by, finding.confirmed_at = actor, datetime.now(UTC)
        session.add(finding)
        session.commit()
        session.refresh(finding)
    action = "finding.confirm" if confirm else "finding.update"
    audit.append(engine, exercise_name, actor, action,
                 {"finding": finding.uid, "fields": sorted(fields)})
    return finding


def list_findings(engine: Engine, exercise_name: str,
                  include_duplicates: bool = False) -> list[Finding]:
    with Session(engine) as session:
        ex_id = exercise_id(get_exercise(session, exercise_name))
        query = select(Finding).where(Finding.exercise_id == ex_id)
        if not include_duplicates:
            query = query.where(col(Finding.duplicate_of_id).is_(None))
        return list(session.exec(query.order_by(col(Finding.id))))
