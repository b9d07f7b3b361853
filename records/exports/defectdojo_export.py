"""DefectDojo "Generic Findings Import" JSON (dojo/tools/generic/json_parser.py).

Fields land where DefectDojo's parser reads them: the CWE number in ``cwe`` (no
CVE exists for an exercise vulnerability, so no ``vulnerability_ids``), CVSS v3
or v4 in its own pair of fields, the severity that the CVSS rating gives
(records.findings reconciles them), ``date`` when the exploit happened (the red
action the finding was drafted from), and one endpoint per address of every
affected host in the copy it was exploited in (from the range plan).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from range.errors import CyberrangeError
from range.planner import make_plan
from range.taxonomy import TaxonomyError, cwe_number
from records.exports.data import ExportData
from records.tables import Finding, FindingStatus

Addresses = dict[tuple[str, int], list[str]]  # (host, copy) → addresses


def _addresses(data: ExportData) -> Addresses:
    try:
        plan = make_plan(data.scenario, data.exercise.range_name)
    except CyberrangeError:
        return {}
    found: Addresses = {}
    for container in plan.containers:
        found.setdefault((container.host, container.copy), []).extend(
            i.address for i in container.interfaces)
    return found


def _endpoints(item: Finding, data: ExportData, addresses: Addresses) -> list[dict[str, str]]:
    copies = {t.name: t.copy for t in data.scores.teams}
    out: list[dict[str, str]] = []
    for ref in item.affected_hosts:
        host, _, team = ref.partition("@")
        found = addresses.get((host, copies.get(team, -1))) or addresses.get((host, 0))
        out += [{"host": a} for a in found or [] if {"host": a} not in out]
    return out


def _exploited_at(item: Finding, data: ExportData) -> datetime:
    """When the red action behind the finding happened (else when it was filed)."""
    facts = {f.id: f for f in data.red_actions}
    for link in data.links:
        if link.finding_id == item.id and link.relation == "source" and link.fact_id in facts:
            return facts[link.fact_id].created_at
    return item.created_at


def _cwe(item: Finding) -> int:
    try:
        return cwe_number(item.cwe) if item.cwe else 0
    except TaxonomyError:
        return 0  # stored before CWE ids were validated: DefectDojo's "no CWE"


def finding(item: Finding, data: ExportData, addresses: Addresses) -> dict[str, Any]:
    refs = [f"https://attack.mitre.org/techniques/{t.replace('.', '/')}/" for t in item.techniques]
    out: dict[str, Any] = {
        "title": item.title,
        "description": item.description or item.title,
        "severity": item.severity.value,
        "date": _exploited_at(item, data).date().isoformat(),
        "cwe": _cwe(item),
        "mitigation": item.mitigation,
        "impact": item.impact,
        "steps_to_reproduce": item.steps_to_reproduce,
        "references": "\n".join(refs),
        "unique_id_from_tool": item.uid,
        "vuln_id_from_tool": item.vulnerability or "",
        "active": item.status in (FindingStatus.DRAFT, FindingStatus.CONFIRMED),
        "verified": item.status == FindingStatus.CONFIRMED,
        "false_p": item.status == FindingStatus.REJECTED,
        "is_mitigated": item.status == FindingStatus.MITIGATED,
        "dynamic_finding": True,
        "static_finding": False,
        "tags": ["cyberrange", f"team:{item.team}", *item.techniques],
        "endpoints": _endpoints(item, data, addresses),
        "nb_occurences": 1 + data.duplicates.get(item.id or 0, 0),
    }
    if item.cvss_vector:
        version = "cvssv4" if item.cvss_vector.startswith("CVSS:4.0/") else "cvssv3"
        out[version] = item.cvss_vector
        if item.cvss_score is not None:
            out[f"{version}_score"] = item.cvss_score
    return out


def write(data: ExportData, out_dir: Path) -> list[Path]:
    addresses = _addresses(data)
    doc: dict[str, Any] = {"findings": [finding(f, data, addresses) for f in data.findings]}
    if data.seal:  # the parser reads a top-level description into its test
        seal = data.seal
        doc["description"] = (f"cyberrange exercise {data.exercise.name}; audit head "
                              f"#{seal.seq} {seal.hash} signed {seal.signed_at} by Ed25519 key "
                              f"{seal.key_id}: {seal.signature}")
    path = out_dir / f"{data.exercise.name}-defectdojo.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return [path]
