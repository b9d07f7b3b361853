"""The DefectDojo export, read the way DefectDojo's Generic Findings Import reads it.

``dojo_parse`` redoes the checks of dojo/tools/generic/json_parser.py (required and
allowed keys, the keys it pops, dates through a date parser, endpoints built as
Endpoint(**item)) and the types of the Finding fields they land in.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import date
from pathlib import Path
from typing import Any

from cvss import CVSS3, CVSS4
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from records.exports import export
from scoring.tables import Fact, FactKind

REQUIRED = {"title", "severity", "description"}
POPPED = {"endpoints", "files", "tags", "vulnerability_ids", "cwes"}
ALLOWED = REQUIRED | {
    "date", "cwe", "cve", "epss_score", "epss_percentile", "cvssv3", "cvssv3_score", "cvssv4",
    "cvssv4_score", "mitigation", "impact", "steps_to_reproduce", "severity_justification",
    "references", "active", "verified", "false_p", "out_of_scope", "risk_accepted",
    "under_review", "is_mitigated", "thread_id", "mitigated", "numerical_severity", "param",
    "payload", "line", "file_path", "component_name", "component_version", "static_finding",
    "dynamic_finding", "scanner_confidence", "unique_id_from_tool", "vuln_id_from_tool",
    "sast_source_object", "sast_sink_object", "sast_source_line", "sast_source_file_path",
    "nb_occurences", "publish_date", "service", "planned_remediation_date",
    "planned_remediation_version", "effort_for_fixing", "tags", "kev_date", "known_exploited",
    "ransomware_used", "fix_available", "fix_version",
}
ENDPOINT_FIELDS = {"protocol", "userinfo", "host", "port", "path", "query", "fragment"}
TYPES: dict[str, type | tuple[type, ...]] = {
    "cwe": int, "cvssv3_score": float, "cvssv4_score": float, "nb_occurences": int,
    "active": bool, "verified": bool, "false_p": bool, "is_mitigated": bool,
    "dynamic_finding": bool, "static_finding": bool, "title": str, "description": str,
    "mitigation": str, "impact": str, "steps_to_reproduce": str, "references": str,
}


def dojo_parse(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """What DefectDojo would store, or an AssertionError where it would refuse."""
    stored = []
    for raw in doc["findings"]:
        item = {k: v for k, v in raw.items() if k not in POPPED}
        assert set(item) >= REQUIRED, f"Required fields are missing: {REQUIRED - set(item)}"
        assert set(item) <= ALLOWED, f"Not allowed fields are present: {set(item) - ALLOWED}"
        assert item["severity"] in {"Info", "Low", "Medium", "High", "Critical"}
        item["date"] = date.fromisoformat(item["date"])
        for key, kind in TYPES.items():
            assert key not in item or isinstance(item[key], kind), (key, item.get(key))
        if "cvssv3" in item:
            assert float(CVSS3(item["cvssv3"]).base_score) == item["cvssv3_score"]
        if "cvssv4" in item:
            assert float(CVSS4(item["cvssv4"]).base_score) == item["cvssv4_score"]
        for endpoint in raw.get("endpoints", []):
            assert set(endpoint) <= ENDPOINT_FIELDS
            ipaddress.ip_address(endpoint["host"])
        stored.append({**item, "endpoints": raw.get("endpoints", [])})
    return stored


def test_every_finding_field_lands(engine: Engine, played: str, tmp_path: Path) -> None:
    (path,) = export(engine, played, "defectdojo", tmp_path)
    findings = dojo_parse(json.loads(path.read_text()))
    assert len(findings) == 4
    sqli = next(f for f in findings if f["cwe"] == 89)
    assert sqli["cvssv3"].startswith("CVSS:3.1/") and sqli["cvssv3_score"] == 9.1
    assert sqli["severity"] == "Critical"  # the CVSS rating of 9.1
    assert sqli["verified"] is True and sqli["nb_occurences"] == 2
    assert sqli["unique_id_from_tool"] and "vulnerability_ids" not in sqli
    assert sqli["endpoints"] == [{"host": "10.1.1.10"}, {"host": "10.2.1.10"}]
    with Session(engine) as session:
        first = session.exec(select(Fact).where(Fact.kind == FactKind.RED_ACTION)).first()
    assert first is not None and sqli["date"] == first.created_at.date()
    assert all(f["cwe"] != 89 or f is sqli for f in findings)
