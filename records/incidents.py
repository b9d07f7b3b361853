"""Incident reports of blue teams (TheHive / NIST SP 800-61 / RSIT fields).

A report is stored first (nothing lost), then matched to red actions: the
matcher (scoring's report matching by default) returns the RED_ACTION facts the
report describes, and the report is linked to them and to the findings those
actions produced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from range.errors import NotFoundError, RecordError
from range.taxonomy import TaxonomyError, check_techniques
from records import audit
from records.common import exercise_id, get_exercise
from records.tables import (
    FindingLink,
    FunctionalImpact,
    IncidentPhase,
    IncidentReport,
    IncidentStatus,
    InformationImpact,
    Observable,
    Pap,
    Recoverability,
    Severity,
    Tlp,
)
from scoring.reports import record_report
from scoring.tables import Fact, FactKind

# Reference Security Incident Taxonomy (RSIT, e-CSIRT.org): class → types.
RSIT: dict[str, tuple[str, ...]] = {
    "abusive-content": ("spam", "harmful-speech", "violence"),
    "malicious-code": ("infected-system", "c2-server", "malware-distribution",
                       "malware-configuration"),
    "information-gathering": ("scanner", "sniffing", "social-engineering"),
    "intrusion-attempts": ("ids-alert", "brute-force", "exploit"),
    "intrusions": ("privileged-account-compromise", "unprivileged-account-compromise",
                   "application-compromise", "system-compromise", "burglary"),
    "availability": ("dos", "ddos", "misconfiguration", "sabotage", "outage"),
    "information-content-security": ("unauthorised-information-access",
                                     "unauthorised-information-modification", "data-loss",
                                     "data-leak"),
    "fraud": ("unauthorised-use-of-resources", "copyright", "masquerade", "phishing"),
    "vulnerable": ("weak-crypto", "ddos-amplifier", "potentially-unwanted-accessible",
                   "information-disclosure", "vulnerable-system"),
    "other": ("other", "undetermined"),
    "test": ("test",),
}

OBSERVABLE_TYPES = frozenset({
    "ip", "domain", "fqdn", "url", "hash", "filename", "mail", "mail-subject", "user-agent",
    "uri-path", "registry", "autonomous-system", "hostname", "user", "other",
})

# (engine, exercise name, stored report) → ids of the RED_ACTION facts it matches.
Matcher = Callable[[Engine, str, IncidentReport], list[int]]


@dataclass
class IncidentInput:
    """What a blue team files. Text is stored as given; exports render it inert."""

    title: str
    description: str = ""
    severity: str = "Medium"
    tlp: str = "AMBER"
    pap: str = "AMBER"
    rsit_class: str = "other"
    rsit_type: str = "undetermined"
    start: datetime | None = None
    end: datetime | None = None
    techniques: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    observables: list[tuple[str, str]] = field(default_factory=list)  # (data type, value)
    tick: int | None = None  # None: the exercise's current tick


# Incident times are wall-clock moments of a drill: aware, and far from the ends
# of datetime's range (a conversion to UTC near year 9999 overflows).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)


def check_time(moment: datetime, field: str) -> datetime:
    """``moment`` if it has a timezone and lies between 1970 and 2999; RecordError otherwise."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RecordError(f"{field}: give a timezone (e.g. 2024-05-01T10:00:00Z)")
    if not EARLIEST <= moment <= LATEST:
        raise RecordError(f"{field}: {moment.isoformat()} is not between 1970 and 2999")
    return moment


def validate(data: IncidentInput) -> dict[str, Any]:
    """Check the input; return the table fields. Raises RecordError naming the field."""
    if not data.title.strip():
        raise RecordError("an incident report needs a title")
    if data.rsit_class not in RSIT or data.rsit_type not in RSIT[data.rsit_class]:
        raise RecordError(f"unknown RSIT class/type {data.rsit_class}/{data.rsit_type}")
    for kind, _ in data.observables:
        if kind not in OBSERVABLE_TYPES:
            raise RecordError(f"unknown observable type {kind!r}")
    for name, moment in (("start", data.start), ("end", data.end)):
        if moment is not None:
            check_time(moment, name)
    if data.start and data.end and data.end < data.start:
        raise RecordError("an incident cannot end before it starts")
    try:
        data.techniques = check_techniques(data.techniques)
    except TaxonomyError as exc:
        raise RecordError(f"invalid incident techniques: {exc}") from exc
    try:
        return {
            "severity": Severity.parse(data.severity), "tlp": Tlp(data.tlp.upper()),
            "pap": Pap(data.pap.upper()),
        }
    except ValueError as exc:
        raise RecordError(f"invalid incident report: {exc}") from exc


def facts_matching(engine: Engine, exercise_name: str, report: IncidentReport) -> list[int]:
    """The red actions of REPORT_MATCH facts that name this report (``report_ref``)."""
    with Session(engine) as session:
        ex_id = exercise_id(get_exercise(session, exercise_name))
        facts = session.exec(select(Fact).where(
            Fact.exercise_id == ex_id, Fact.kind == FactKind.REPORT_MATCH))
        return [int(f.data["action_id"]) for f in facts
                if f.data.get("report_ref") == report.uid and f.data.get("action_id")]


def score_and_match(engine: Engine, exercise_name: str, report: IncidentReport) -> list[int]:
    """Default matcher: scoring matches each (host, technique) the report names to
    a red action against the team's copy (and scores it), then we read the matches."""
    with Session(engine) as session:
        exercise = get_exercise(session, exercise_name)
    for host in report.hosts:
        for technique in report.techniques:
            record_report(engine, exercise, report.team, host, technique,
                          tick=report.tick, report_ref=report.uid, actor=report.reporter)
    return facts_matching(engine, exercise_name, report)


def file_incident(engine: Engine, exercise_name: str, team: str, reporter: str,
                  data: IncidentInput, matcher: Matcher | None = None,
                  actor: str | None = None) -> IncidentReport:
    """Store, audit (once: ``incident.file`` by ``actor``, default the reporter) and match."""
    checked = validate(data)
    with Session(engine) as session:
        exercise = get_exercise(session, exercise_name)
        ex_id = exercise_id(exercise)
        tick = exercise.current_tick if data.tick is None else data.tick
        report = IncidentReport(
            exercise_id=ex_id, title=data.title, description=data.description,
            rsit_class=data.rsit_class, rsit_type=data.rsit_type, start=data.start,
            end=data.end, techniques=list(data.techniques), hosts=list(data.hosts),
            team=team, reporter=reporter, tick=tick, **checked,
        )
        report.detected_at = data.start or report.created_at
        session.add(report)
        session.flush()
        assert report.id is not None  # flushed
        for kind, value in data.observables:
            session.add(Observable(incident_id=report.id, data_type=kind, value=value))
        session.commit()
        session.refresh(report)
    audit.append(engine, exercise_name, actor or reporter, "incident.file",
                 {"incident": report.uid, "team": team, "title": data.title})
    matched = (matcher or score_and_match)(engine, exercise_name, report)
    link_red_actions(engine, report, matched)
    return report


def link_red_actions(engine: Engine, report: IncidentReport, fact_ids: Sequence[int]) -> None:
    """Link the report to red actions and to the findings drafted from them."""
    with Session(engine) as session:
        mine = session.exec(select(FindingLink).where(FindingLink.incident_id == report.id)).all()
        done = {link.fact_id for link in mine}
        linked = {link.finding_id for link in mine}
        for fact_id in fact_ids:
            if fact_id in done:
                continue
            done.add(fact_id)
            session.add(FindingLink(exercise_id=report.exercise_id, incident_id=report.id,
                                    fact_id=fact_id, relation="matches"))
            findings = session.exec(select(FindingLink.finding_id).where(
                FindingLink.fact_id == fact_id, col(FindingLink.finding_id).is_not(None)))
            for finding_id in sorted({f for f in findings if f is not None} - linked):
                linked.add(finding_id)
                session.add(FindingLink(exercise_id=report.exercise_id, incident_id=report.id,
                                        finding_id=finding_id, relation="matches"))
        session.commit()


_PHASE_TIME = {
    IncidentPhase.DETECTION: "detected_at", IncidentPhase.CONTAINMENT: "contained_at",
    IncidentPhase.ERADICATION: "eradicated_at", IncidentPhase.RECOVERY: "recovered_at",
    IncidentPhase.POST_INCIDENT: "closed_at",
}
_PHASE_STATUS = {IncidentPhase.RECOVERY: IncidentStatus.RESOLVED,
                 IncidentPhase.POST_INCIDENT: IncidentStatus.CLOSED}


@dataclass(frozen=True)
class Impact:
    """NIST SP 800-61r2 impact categories (None: leave as it is)."""

    functional: str | None = None
    information: str | None = None
    recoverability: str | None = None


def _impact_fields(impact: Impact | None) -> dict[str, StrEnum | None]:
    impact = impact or Impact()
    return {
        "functional_impact": FunctionalImpact(impact.functional) if impact.functional else None,
        "information_impact": InformationImpact(impact.information)
        if impact.information else None,
        "recoverability": Recoverability(impact.recoverability)
        if impact.recoverability else None,
    }


def advance(engine: Engine, exercise_name: str, incident_id: int, phase: str, actor: str,
            at: datetime | None = None, impact: Impact | None = None) -> IncidentReport:
    """Move an incident to a later NIST SP 800-61 phase, stamping when it began; audited.

    Phases only move forward (skipping is allowed: containment may be the last step
    a blue team takes); the status follows (recovery: resolved, post-incident: closed).
    """
    try:
        wanted, fields = IncidentPhase(phase), _impact_fields(impact)
    except ValueError as exc:
        raise RecordError(f"invalid incident phase or impact: {exc}") from exc
    order = list(IncidentPhase)
    with Session(engine) as session:
        ex_id = exercise_id(get_exercise(session, exercise_name))
        report = session.get(IncidentReport, incident_id)
        if report is None or report.exercise_id != ex_id:
            raise NotFoundError(f"no incident {incident_id} in exercise {exercise_name!r}")
        if order.index(wanted) < order.index(report.phase):
            raise RecordError(f"incident {incident_id} is already in {report.phase.value}; "
                              f"phases only move forward")
        report.phase = wanted
        setattr(report, _PHASE_TIME[wanted], at or datetime.now(UTC))
        report.status = _PHASE_STATUS.get(wanted, IncidentStatus.IN_PROGRESS)
        for key, value in fields.items():
            if value is not None:
                setattr(report, key, value)
        session.add(report)
        session.commit()
        session.refresh(report)
    audit.append(engine, exercise_name, actor, "incident.phase",
                 {"incident": report.uid, "phase": wanted.value,
                  **{k: v.value for k, v in fields.items() if v is not None}})
    return report


def set_status(engine: Engine, exercise_name: str, incident_id: int, status: str,
               actor: str) -> IncidentReport:
    with Session(engine) as session:
        ex_id = exercise_id(get_exercise(session, exercise_name))
        report = session.get(IncidentReport, incident_id)
        if report is None or report.exercise_id != ex_id:
            raise NotFoundError(f"no incident {incident_id} in exercise {exercise_name!r}")
        report.status = IncidentStatus(status)
        session.add(report)
        session.commit()
        session.refresh(report)
    audit.append(engine, exercise_name, actor, "incident.status",
                 {"incident": report.uid, "status": status})
    return report


def list_incidents(engine: Engine, exercise_name: str,
                   team: str | None = None) -> list[IncidentReport]:
    with Session(engine) as session:
        ex_id = exercise_id(get_exercise(session, exercise_name))
        query = select(IncidentReport).where(IncidentReport.exercise_id == ex_id)
        if team is not None:
            query = query.where(IncidentReport.team == team)
        return list(session.exec(query.order_by(col(IncidentReport.id))))


def observables_of(engine: Engine, incident_ids: Sequence[int]) -> list[Observable]:
    with Session(engine) as session:
        return list(session.exec(select(Observable).where(
            col(Observable.incident_id).in_(list(incident_ids))).order_by(col(Observable.id))))
