"""Everything an export shows, read once from the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from range.scenario.models import Scenario
from records import audit
from records.audit import Verdict
from records.audit_seal import Sealer, SignedHead, document
from records.audit_table import AuditEntry
from records.common import exercise_id, get_exercise, scenario_of
from records.coordination.summary import CoordinationSummary, summary
from records.scores import ScoreView, load_scores
from records.tables import EvidenceFile, Finding, FindingLink, IncidentReport, Observable
from records.training import TrainingRecord, training_records
from scoring.tables import Exercise, Fact, FactKind


@dataclass
class ExportData:
    exercise: Exercise
    scenario: Scenario
    findings: list[Finding]  # originals only; duplicates are counted, not repeated
    duplicates: dict[int, int]  # finding id → number of duplicate occurrences
    incidents: list[IncidentReport]
    observables: dict[int, list[Observable]]  # incident id → observables
    links: list[FindingLink]
    red_actions: list[Fact]
    evidence: list[EvidenceFile]
    scores: ScoreView
    training: list[TrainingRecord]
    audit: list[AuditEntry]
    audit_verdict: Verdict
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    seal: SignedHead | None = None  # the signed head of the audit chain (None: no key given)
    facts: list[Fact] = field(default_factory=list)  # every fact (after-action analysis)
    audit_document: dict[str, Any] | None = None  # the log as `audit verify FILE` reads it
    coordination: CoordinationSummary = field(default_factory=CoordinationSummary)

    def incident_links(self, incident_id: int | None) -> tuple[list[int], list[str]]:
        """(red action fact ids, finding uids) an incident is linked to."""
        uids = {f.id: f.uid for f in self.findings}
        facts = [lk.fact_id for lk in self.links
                 if lk.incident_id == incident_id and lk.fact_id is not None]
        findings = [uids[lk.finding_id] for lk in self.links
                    if lk.incident_id == incident_id and lk.finding_id in uids]
        return facts, findings


def collect(engine: Engine, exercise_name: str, sealer: Sealer | None = None) -> ExportData:
    scores = load_scores(engine, exercise_name)
    training = training_records(engine, exercise_name, scores=scores)
    with Session(engine) as session:
        exercise = get_exercise(session, exercise_name)
        ex_id = exercise_id(exercise)
        all_findings = list(session.exec(select(Finding).where(Finding.exercise_id == ex_id)
                                         .order_by(col(Finding.id))))
        incidents = list(session.exec(select(IncidentReport).where(
            IncidentReport.exercise_id == ex_id).order_by(col(IncidentReport.id))))
        observables = list(session.exec(select(Observable).where(col(Observable.incident_id).in_(
            [i.id for i in incidents])).order_by(col(Observable.id))))
        links = list(session.exec(select(FindingLink).where(FindingLink.exercise_id == ex_id)))
        facts = list(session.exec(select(Fact).where(Fact.exercise_id == ex_id)
                                  .order_by(col(Fact.id))))
        red_actions = [f for f in facts if f.kind == FactKind.RED_ACTION]
        evidence = list(session.exec(select(EvidenceFile).where(
            EvidenceFile.exercise_id == ex_id).order_by(col(EvidenceFile.id))))
    duplicates: dict[int, int] = {}
    for link in links:
        if link.relation == "duplicate" and link.finding_id is not None:
            duplicates[link.finding_id] = duplicates.get(link.finding_id, 0) + 1
    for finding in all_findings:
        if finding.duplicate_of_id is not None:
            duplicates[finding.duplicate_of_id] = duplicates.get(finding.duplicate_of_id, 0) + 1
    by_incident: dict[int, list[Observable]] = {}
    for obs in observables:
        by_incident.setdefault(obs.incident_id, []).append(obs)
    seal, sealed = None, None
    if sealer is not None and audit.verify(engine, exercise_name).ok:
        seal = sealer.seal(engine, exercise_name)
        sealed = document(engine, exercise_name, seal, sealer.public_key)
    return ExportData(
        seal=seal, audit_document=sealed, facts=facts, exercise=exercise,
        scenario=scenario_of(exercise),
        findings=[f for f in all_findings if f.duplicate_of_id is None], duplicates=duplicates,
        incidents=incidents, observables=by_incident, links=links, red_actions=red_actions,
        evidence=evidence, scores=scores, training=training,
        audit=audit.entries(engine, exercise_name),
        audit_verdict=audit.verify(engine, exercise_name),
        coordination=summary(engine, exercise_name),
    )
