"""STIX 2.1 bundle (stix2 library): findings as vulnerabilities, techniques as
attack patterns, incident reports as incidents with their observables."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import stix2

from records.exports.data import ExportData
from records.tables import Finding, IncidentReport, Observable, Tlp

# TLP 2.0 → the STIX TLP marking definitions (TLP 1.0 names; CLEAR is WHITE).
# STIX has no AMBER+STRICT marking: AMBER is the nearest that does not widen sharing.
_TLP = {Tlp.CLEAR: stix2.TLP_WHITE, Tlp.GREEN: stix2.TLP_GREEN, Tlp.AMBER: stix2.TLP_AMBER,
        Tlp.AMBER_STRICT: stix2.TLP_AMBER, Tlp.RED: stix2.TLP_RED}
_HASHES = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}


def _attack_pattern(technique: str, identity: stix2.Identity) -> stix2.AttackPattern:
    url = f"https://attack.mitre.org/techniques/{technique.replace('.', '/')}/"
    return stix2.AttackPattern(
        name=technique, created_by_ref=identity,
        external_references=[{"source_name": "mitre-attack", "external_id": technique,
                              "url": url}])


def _vulnerability(finding: Finding, identity: stix2.Identity) -> stix2.Vulnerability:
    refs: list[dict[str, str]] = [{"source_name": "cyberrange", "external_id": finding.uid}]
    if finding.cwe:
        number = finding.cwe.removeprefix("CWE-")
        refs.append({"source_name": "cwe", "external_id": finding.cwe,
                     "url": f"https://cwe.mitre.org/data/definitions/{number}.html"})
    return stix2.Vulnerability(
        name=finding.title, description=finding.description or finding.title,
        created_by_ref=identity, external_references=refs,
        labels=[f"severity-{finding.severity.value.lower()}", f"status-{finding.status.value}"])


def _sco(obs: Observable) -> Any | None:
    """The STIX Cyber-observable for an observable, or None when none fits."""
    value = obs.value.strip()
    kind = obs.data_type
    if kind == "ip":
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return None
        cls = stix2.IPv4Address if address.version == 4 else stix2.IPv6Address
        return cls(value=str(address))
    if kind in ("domain", "fqdn", "hostname"):
        return stix2.DomainName(value=value)
    if kind == "url":
        return stix2.URL(value=value)
    if kind == "mail":
        return stix2.EmailAddress(value=value)
    if kind == "filename":
        return stix2.File(name=value)
    if kind == "hash" and len(value) in _HASHES and all(c in "0123456789abcdefABCDEF"
                                                          for c in value):
        return stix2.File(hashes={_HASHES[len(value)]: value.lower()})
    if kind == "user":
        return stix2.UserAccount(user_id=value)
    return None


def _incident(report: IncidentReport, data: ExportData, identity: stix2.Identity,
              vulns: dict[str, stix2.Vulnerability]) -> list[Any]:
    marking = _TLP[report.tlp]
    incident = stix2.Incident(
        name=report.title, description=report.description or report.title,
        created_by_ref=identity, object_marking_refs=[marking],
        labels=[f"rsit-{report.rsit_class}", f"rsit-{report.rsit_type}",
                f"severity-{report.severity.value.lower()}", f"pap-{report.pap.value.lower()}"])
    out: list[Any] = [incident]
    scos = [s for s in (_sco(o) for o in data.observables.get(report.id or 0, [])) if s]
    if scos:
        seen = report.start or report.created_at
        observed = stix2.ObservedData(
            first_observed=seen, last_observed=report.end or seen, number_observed=1,
            object_refs=scos, created_by_ref=identity, object_marking_refs=[marking])
        out += [*scos, observed, stix2.Relationship(incident, "related-to", observed,
                                                    created_by_ref=identity)]
    _, finding_uids = data.incident_links(report.id)
    for uid in finding_uids:
        out.append(stix2.Relationship(incident, "related-to", vulns[uid],
                                      created_by_ref=identity))
    return out


def bundle(data: ExportData) -> stix2.Bundle:
    identity = stix2.Identity(name=f"cyberrange exercise {data.exercise.name}",
                              identity_class="system")
    objects: list[Any] = [identity]
    patterns: dict[str, stix2.AttackPattern] = {}
    vulns: dict[str, stix2.Vulnerability] = {}
    for finding in data.findings:
        vuln = vulns[finding.uid] = _vulnerability(finding, identity)
        objects.append(vuln)
        for technique in finding.techniques:
            if technique not in patterns:
                patterns[technique] = _attack_pattern(technique, identity)
                objects.append(patterns[technique])
            objects.append(stix2.Relationship(patterns[technique], "targets", vuln,
                                              created_by_ref=identity))
    for report in data.incidents:
        objects += _incident(report, data, identity, vulns)
    markings = {_TLP[r.tlp].id: _TLP[r.tlp] for r in data.incidents}
    objects += list(markings.values())
    for evidence in data.evidence:
        objects.append(stix2.File(name=evidence.original_name, size=evidence.size,
                                  hashes={"SHA-256": evidence.sha256}))
    report_refs = [o for o in objects if o is not identity and not o.type.startswith("marking")]
    objects.append(stix2.Report(
        name=f"After-action report: {data.scenario.title}", published=data.generated_at,
        report_types=["attack-pattern", "vulnerability"], created_by_ref=identity,
        object_refs=report_refs or [identity]))
    return stix2.Bundle(objects=objects, allow_custom=False)


def write(data: ExportData, out_dir: Path) -> list[Path]:
    path = out_dir / f"{data.exercise.name}-stix.json"
    path.write_text(bundle(data).serialize(pretty=True), encoding="utf-8")
    return [path]
