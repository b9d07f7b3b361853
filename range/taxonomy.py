"""MITRE ATT&CK techniques and CWE ids: looked up and validated where text comes in.

Technique names and tactics come from a pinned, offline copy of MITRE's official
ATT&CK STIX data (enterprise domain), trimmed to what the records need by
``scripts/trim_attack_data.py``: ``range/data/attack-enterprise.json`` records the
ATT&CK version and the commit it was read from. Nothing here is typed by hand.

CWE ids are checked for their form (``CWE-<number>``) and spelled canonically;
there is no offline CWE list, so a well-formed number that MITRE never assigned
is accepted. CVSS vectors (v3.x and v4.0) are scored by the ``cvss`` library.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cvss import CVSS3, CVSS4  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

from range.errors import CyberrangeError

DATA = Path(__file__).resolve().parent / "data" / "attack-enterprise.json"
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
_CWE = re.compile(r"^CWE-(\d{1,5})$")


class TaxonomyError(CyberrangeError, ValueError):
    """A technique or CWE id that is malformed or unknown."""


@dataclass(frozen=True)
class Technique:
    id: str  # "T1110.001"
    name: str  # "Password Guessing"
    tactics: tuple[str, ...]  # kill chain phase names, e.g. ("credential-access",)
    url: str
    stix_id: str  # the attack-pattern id in MITRE's own bundle

    @property
    def full_name(self) -> str:
        """The name with its parent for sub-techniques ("Brute Force: Password Guessing")."""
        if "." not in self.id:
            return self.name
        return f"{technique(self.id.split('.')[0]).name}: {self.name}"


@dataclass(frozen=True)
class AttackRelease:
    version: str
    commit: str
    source: str
    tactics: dict[str, str]  # shortname → display name


@cache
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return loaded


def release() -> AttackRelease:
    data = _data()
    return AttackRelease(data["attack_version"], data["commit"], data["source"],
                         {k: v["name"] for k, v in data["tactics"].items()})


def technique(technique_id: str) -> Technique:
    """The live technique with this id; TaxonomyError if malformed, unknown or revoked."""
    text = technique_id.strip().upper()
    if not _TECHNIQUE.match(text):
        raise TaxonomyError(
            f"{technique_id!r} is not an ATT&CK technique id (like T1190 or T1110.001)")
    entry = _data()["techniques"].get(text)
    if entry is None:
        raise TaxonomyError(f"{text} is not an ATT&CK technique (ATT&CK v{release().version})")
    if entry["revoked"] or entry["deprecated"]:
        state = "revoked" if entry["revoked"] else "deprecated"
        raise TaxonomyError(f"{text} ({entry['name']}) is {state} in ATT&CK "
                            f"v{release().version}; use its replacement")
    return Technique(text, entry["name"], tuple(entry["tactics"]), entry["url"],
                     entry["stix_id"])


def check_techniques(values: list[str]) -> list[str]:
    """The technique ids, canonically spelled; TaxonomyError names the first bad one."""
    return [technique(v).id for v in values]


def check_cwe(value: str) -> str:
    """``CWE-<n>`` canonically spelled ("cwe-284" → "CWE-284"); TaxonomyError if not."""
    text = value.strip().upper()
    match = _CWE.match(text)
    if match is None:
        raise TaxonomyError(f"{value!r} is not a CWE id (like CWE-89)")
    return f"CWE-{int(match.group(1))}"


def cwe_number(value: str) -> int:
    return int(check_cwe(value).removeprefix("CWE-"))


@dataclass(frozen=True)
class CvssScore:
    vector: str  # as given, e.g. "CVSS:3.1/AV:N/..." or "CVSS:4.0/AV:N/..."
    version: int  # 3 or 4
    score: float
    severity: str  # the specification's rating: None, Low, Medium, High, Critical


def cvss(vector: str) -> CvssScore:
    """Score a CVSS v3.0/v3.1/v4.0 base vector with FIRST's formulas (the ``cvss`` library).

    TaxonomyError for anything malformed, including repeated or missing metrics.
    """
    text = vector.strip()
    try:
        if text.startswith("CVSS:4.0/"):
            v4 = CVSS4(text)
            return CvssScore(text, 4, float(v4.base_score), str(v4.severity))
        if text.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            v3 = CVSS3(text)
            return CvssScore(text, 3, float(v3.base_score), str(v3.severities()[0]))
    except CVSSError as exc:
        raise TaxonomyError(f"invalid CVSS vector {vector!r}: {exc}") from exc
    raise TaxonomyError(f"not a CVSS v3 or v4 vector: {vector!r}")
