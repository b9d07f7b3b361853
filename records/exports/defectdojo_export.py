"""DefectDojo "Generic Findings Import" JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from records.exports.data import ExportData
from records.tables import Finding, FindingStatus


def _cwe_number(cwe: str | None) -> int:
    return int(cwe.removeprefix("CWE-")) if cwe else 0


def _endpoint(host_ref: str) -> dict[str, str]:
    return {"host": host_ref.replace("@", ".")}


def finding(item: Finding, duplicates: int) -> dict[str, Any]:
    refs = [f"https://attack.mitre.org/techniques/{t.replace('.', '/')}/" for t in item.techniques]
    out: dict[str, Any] = {
        "title": item.title,
        "description": item.description or item.title,
        "severity": item.severity.value,
        "date": item.created_at.date().isoformat(),
        "cwe": _cwe_number(item.cwe),
        "mitigation": item.mitigation,
        "impact": item.impact,
        "steps_to_reproduce": item.steps_to_reproduce,
        "references": "\n".join(refs),
        "unique_id_from_tool": item.uid,
        "vuln_id_from_tool": item.vulnerability or "",
        "vulnerability_ids": [item.cwe] if item.cwe else [],
        "active": item.status in (FindingStatus.DRAFT, FindingStatus.CONFIRMED),
        "verified": item.status == FindingStatus.CONFIRMED,
        "false_p": item.status == FindingStatus.REJECTED,
        "is_mitigated": item.status == FindingStatus.MITIGATED,
        "tags": ["cyberrange", f"team:{item.team}", *item.techniques],
        "endpoints": [_endpoint(h) for h in item.affected_hosts],
        "nb_occurences": 1 + duplicates,
    }
    if item.cvss_vector:
        out["cvssv3"] = item.cvss_vector
    if item.cvss_score is not None:
        out["cvssv3_score"] = item.cvss_score
    return out


def write(data: ExportData, out_dir: Path) -> list[Path]:
    doc = {"findings": [finding(f, data.duplicates.get(f.id or 0, 0)) for f in data.findings]}
    path = out_dir / f"{data.exercise.name}-defectdojo.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return [path]
