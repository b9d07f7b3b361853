"""Database tables of the records: findings, incidents, evidence, participants.

Field names follow what auditors already use: DefectDojo for findings, TheHive /
NIST SP 800-61 / RSIT for incidents. The audit log lives in records.audit_table.
Training records are computed from facts (records.training), not stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from records.audit_table import AuditEntry
from scoring.tables import utcnow

__all__ = [
    "AuditEntry",
    "EvidenceFile",
    "Finding",
    "FindingLink",
    "FindingStatus",
    "FunctionalImpact",
    "IncidentPhase",
    "IncidentReport",
    "IncidentStatus",
    "InformationImpact",
    "Observable",
    "Pap",
    "Participant",
    "ParticipantTeam",
    "Recoverability",
    "Severity",
    "Tlp",
]


def new_uid() -> str:
    return str(uuid.uuid4())


class Severity(StrEnum):
    """DefectDojo's severities, in its spelling."""

    INFO = "Info"
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"
    CRITICAL = "Critical"

    @classmethod
    def parse(cls, text: str) -> Severity:
        wanted = text.strip().lower()
        wanted = "info" if wanted == "informational" else wanted
        for member in cls:
            if member.value.lower() == wanted:
                return member
        raise ValueError(f"severity must be one of {', '.join(m.value for m in cls)}, got {text!r}")


class FindingStatus(StrEnum):
    DRAFT = "draft"  # drafted automatically, waiting for the white team
    CONFIRMED = "confirmed"  # checked and confirmed by the white team
    REJECTED = "rejected"  # false positive
    MITIGATED = "mitigated"


class Tlp(StrEnum):
    """Traffic Light Protocol 2.0."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"


class Pap(StrEnum):
    """Permissible Actions Protocol (as in TheHive / MISP)."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    RED = "RED"


class IncidentPhase(StrEnum):
    """NIST SP 800-61 incident response life cycle, in order (preparation precedes filing)."""

    DETECTION = "detection-analysis"
    CONTAINMENT = "containment"
    ERADICATION = "eradication"
    RECOVERY = "recovery"
    POST_INCIDENT = "post-incident"


class FunctionalImpact(StrEnum):
    """NIST SP 800-61r2 table 3-2."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class InformationImpact(StrEnum):
    """NIST SP 800-61r2 table 3-3."""

    NONE = "none"
    PRIVACY_BREACH = "privacy-breach"
    PROPRIETARY_BREACH = "proprietary-breach"
    INTEGRITY_LOSS = "integrity-loss"


class Recoverability(StrEnum):
    """NIST SP 800-61r2 table 3-4."""

    REGULAR = "regular"
    SUPPLEMENTED = "supplemented"
    EXTENDED = "extended"
    NOT_RECOVERABLE = "not-recoverable"


class IncidentStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in-progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Finding(SQLModel, table=True):
    """A vulnerability shown to be exploitable during an exercise (DefectDojo-like)."""

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    uid: str = Field(default_factory=new_uid, unique=True)  # unique_id_from_tool
    title: str
    description: str = ""
    severity: Severity = Severity.MEDIUM
    cwe: str | None = None  # "CWE-89"
    cvss_vector: str | None = None  # "CVSS:3.1/AV:N/..."
    cvss_score: float | None = None
    techniques: list[str] = _json_list()  # ATT&CK technique ids
    affected_hosts: list[str] = _json_list()  # "web@blue-1"
    steps_to_reproduce: str = ""
    impact: str = ""
    mitigation: str = ""
    status: FindingStatus = FindingStatus.DRAFT
    reporter: str = ""  # who filed it (user, or "auto")
    team: str = ""  # the team whose work it records (the attacker)
    vulnerability: str | None = None  # scenario vulnerability id
    dedup_key: str | None = Field(default=None, index=True)
    duplicate_of_id: int | None = Field(default=None, foreign_key="finding.id")
    auto: bool = False
    tick: int = 0
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class IncidentReport(SQLModel, table=True):
    """A blue team's incident report (TheHive case / NIST SP 800-61 fields)."""

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    uid: str = Field(default_factory=new_uid, unique=True)
    title: str
    description: str = ""
    severity: Severity = Severity.MEDIUM
    tlp: Tlp = Tlp.AMBER
    pap: Pap = Pap.AMBER
    rsit_class: str = "other"  # RSIT classification, e.g. "intrusions"
    rsit_type: str = "undetermined"  # RSIT type, e.g. "system-compromise"
    status: IncidentStatus = IncidentStatus.NEW
    start: datetime | None = None
    end: datetime | None = None
    techniques: list[str] = _json_list()
    hosts: list[str] = _json_list()
    team: str = ""  # reporting (blue) team
    reporter: str = ""
    tick: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    # NIST SP 800-61: the phase reached and when each phase began (records.incidents.advance).
    phase: IncidentPhase = IncidentPhase.DETECTION
    detected_at: datetime | None = None
    contained_at: datetime | None = None
    eradicated_at: datetime | None = None
    recovered_at: datetime | None = None
    closed_at: datetime | None = None  # post-incident activity began
    functional_impact: FunctionalImpact | None = None
    information_impact: InformationImpact | None = None
    recoverability: Recoverability | None = None

    @property
    def host_refs(self) -> list[str]:
        """Hosts named with the team copy they are in ("web@blue-1")."""
        return [h if "@" in h else f"{h}@{self.team}" for h in self.hosts]


class Observable(SQLModel, table=True):
    """An observable of an incident (TheHive data types)."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidentreport.id", index=True)
    data_type: str  # ip | domain | url | hash | filename | mail | other ...
    value: str
    ioc: bool = False
    message: str = ""


class FindingLink(SQLModel, table=True):
    """A link between records: finding↔fact, incident↔fact, incident↔finding.

    A duplicate occurrence of a finding is a link to the original, not a new row.
    """

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    finding_id: int | None = Field(default=None, foreign_key="finding.id", index=True)
    incident_id: int | None = Field(default=None, foreign_key="incidentreport.id", index=True)
    fact_id: int | None = Field(default=None, foreign_key="fact.id")
    relation: str  # "source" | "duplicate" | "matches" | "evidence"
    created_at: datetime = Field(default_factory=utcnow)


class EvidenceFile(SQLModel, table=True):
    """A checked evidence file, stored outside any web root under ``uid``."""

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    uid: str = Field(default_factory=new_uid, unique=True)  # the stored file's name
    original_name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str = ""
    finding_id: int | None = Field(default=None, foreign_key="finding.id")
    incident_id: int | None = Field(default=None, foreign_key="incidentreport.id")
    created_at: datetime = Field(default_factory=utcnow)


class Participant(SQLModel, table=True):
    """A person, across exercises. Web accounts link to it by username."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    display_name: str = ""
    email: str = ""


class ParticipantTeam(SQLModel, table=True):
    """A participant's team and role in one exercise."""

    __table_args__ = (UniqueConstraint("exercise_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    team_name: str
    role: str  # red | blue | purple | white | auditor
