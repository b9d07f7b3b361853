"""NICE Framework work roles that exercise roles train (NIST SP 800-181r1).

``legacy`` is the 2017 framework's role name and code, still what most
training catalogues use; ``current`` is the NICE Framework Components v2.0.0
work role where its id was checked on niccs.cisa.gov (None where not checked).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkRole:
    legacy: str
    current: str | None
    title: str  # the job title people recognise

    def __str__(self) -> str:
        return self.legacy


WORK_ROLES: dict[str, WorkRole] = {
    "red": WorkRole("Exploitation Analyst (AN-EXP-001)", None, "Penetration Tester"),
    "purple": WorkRole("Exploitation Analyst (AN-EXP-001)", None, "Penetration Tester"),
    "blue": WorkRole("Cyber Defense Incident Responder (PR-CIR-001)",
                     "Incident Response (PD-WRL-003)", "Incident Responder"),
    "white": WorkRole("Cyber Instructor (OV-TEA-002)", None, "Exercise Planner"),
    "isac": WorkRole("Threat/Warning Analyst (AN-TWA-001)", None, "Threat Intelligence Analyst"),
    "auditor": WorkRole("Security Control Assessor (SP-RSK-002)",
                        "Security Control Assessment (OG-WRL-012)", "Auditor"),
}


def work_role(role: str) -> WorkRole | None:
    return WORK_ROLES.get(role)
