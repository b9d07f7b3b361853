"""STIX 2.1 bundle (stix2 library) of an exercise, for CTI tools (MISP, OpenCTI).

What each record becomes:
- teams: an ``identity`` each (class ``group``); each attacking team also a
  ``threat-actor`` that ``targets`` the defending teams it attacked;
- red actions: one ``uses`` relationship each, threat actor → ``attack-pattern``
  (ATT&CK name, id and kill chain phases from the pinned ATT&CK release), timed
  by ``start_time``;
- findings: a ``vulnerability`` each (``attack-pattern`` ``targets`` it); an
  objective reached is no vulnerability but a ``note`` on the actor and target;
- incident reports: an ``incident`` (its own TLP), its observables as
  ``observed-data``, ``related-to`` its findings and techniques, and a
  ``sighting`` of each technique blue detected, sighted by the blue team; a
  ``grouping`` of all that, which misp-stix imports as one MISP event;
- everything else carries the strictest TLP of the reports, at least AMBER.
Ids are deterministic (stix_objects.Ids); the report is re-versioned per export.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import stix2

from range.taxonomy import TaxonomyError, technique
from records.exports.data import ExportData
from records.exports.stix_objects import Ids, attack_pattern, common, strictest, tlp_marking, utc
from records.findings import is_objective
from records.tables import Finding, IncidentReport, Observable
from scoring.tables import Fact

_HASHES = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}


class _Builder:
    """Collects the objects of one bundle; patterns and teams made once each."""

    def __init__(self, data: ExportData) -> None:
        self.data = data
        self.ids = Ids(data.exercise)
        self.t0 = utc(data.exercise.created_at, data.generated_at)
        self.level = strictest([r.tlp for r in data.incidents])
        self.marking = tlp_marking(self.level).id
        self.author = stix2.Identity(
            id=self.ids("identity", "system"), created=self.t0, modified=self.t0,
            name=f"cyberrange exercise {data.exercise.name}", identity_class="system",
            object_marking_refs=[self.marking])
        self.objects: dict[str, Any] = {self.author.id: self.author}
        self.patterns: dict[str, str] = {}

    def add(self, obj: Any) -> Any:
        self.objects[obj.id] = obj
        return obj

    def base(self, stix_type: str, key: object, created: datetime | None = None,
             marking: str | None = None) -> dict[str, Any]:
        return common(self.ids, stix_type, key, utc(created, self.t0), self.author.id,
                      marking or self.marking)

    def pattern(self, technique_id: str) -> str | None:
        """The attack pattern's id (made on first use); None for an unknown technique."""
        try:
            tid = technique(technique_id).id
        except TaxonomyError:
            return None
        if tid not in self.patterns:
            made = attack_pattern(self.ids, tid, self.t0, self.author.id, self.marking)
            self.patterns[tid] = self.add(made).id
        return self.patterns[tid]

    def team(self, name: str) -> str:
        return self.ids("identity", "team", name)

    def relation(self, source: str, kind: str, target: str, key: object,
                 created: datetime | None = None, **extra: Any) -> None:
        self.add(stix2.Relationship(source_ref=source, relationship_type=kind,
                                    target_ref=target, **self.base("relationship", key, created),
                                    **extra))


def _teams(b: _Builder) -> None:
    for team in b.data.scores.teams:
        b.add(stix2.Identity(**b.base("identity", f"team/{team.name}"), name=team.name,
                             identity_class="group", roles=[team.role],
                             description=f"Exercise team {team.name} ({team.role})"))
        if team.role == "red":
            b.add(stix2.ThreatActor(
                **b.base("threat-actor", team.name), name=team.name,
                threat_actor_types=["hacker"], roles=["agent"],
                description=f"Exercise red team {team.name} (simulated adversary)"))


def _red_actions(b: _Builder) -> None:
    targeted: set[tuple[str, str]] = set()
    for fact in b.data.red_actions:
        pattern = b.pattern(str(fact.data.get("technique") or ""))
        actor = b.ids("threat-actor", fact.team or "")
        if pattern is None or actor not in b.objects:
            continue
        b.relation(actor, "uses", pattern, f"action/{fact.id}", fact.created_at,
                   start_time=utc(fact.created_at, b.t0), description=_action_text(fact),
                   external_references=[{"source_name": "cyberrange",
                                         "external_id": f"fact-{fact.id}"}])
        if fact.target and (fact.team or "", fact.target) not in targeted:
            targeted.add((fact.team or "", fact.target))
            b.relation(actor, "targets", b.team(fact.target), f"targets/{fact.team}/{fact.target}",
                       fact.created_at)


def _action_text(fact: Fact) -> str:
    text = f"tick {fact.tick}: {fact.host or '?'}@{fact.target or '?'} ({fact.outcome or '?'})"
    return f"{text}: {fact.message}" if fact.message else text


def _findings(b: _Builder) -> dict[str, str]:
    vulns: dict[str, str] = {}
    for finding in b.data.findings:
        if is_objective(finding):
            _objective(b, finding)
            continue
        vuln = b.add(_vulnerability(b, finding))
        vulns[finding.uid] = vuln.id
        for tid in finding.techniques:
            pattern = b.pattern(tid)
            if pattern is not None:
                b.relation(pattern, "targets", vuln.id, f"targets/{tid}/{finding.uid}",
                           finding.created_at)
    return vulns


def _vulnerability(b: _Builder, finding: Finding) -> stix2.Vulnerability:
    refs: list[dict[str, str]] = [{"source_name": "cyberrange", "external_id": finding.uid}]
    if finding.cwe:
        refs.append({"source_name": "cwe", "external_id": finding.cwe})
    return stix2.Vulnerability(
        **b.base("vulnerability", finding.uid, finding.created_at), name=finding.title,
        description=finding.description or finding.title, external_references=refs,
        labels=[f"severity-{finding.severity.value.lower()}", f"status-{finding.status.value}"])


def _objective(b: _Builder, finding: Finding) -> None:
    refs = [b.ids("threat-actor", finding.team)] if finding.team else []
    refs = [r for r in refs if r in b.objects]
    refs += [b.team(h.split("@", 1)[1]) for h in finding.affected_hosts if "@" in h]
    b.add(stix2.Note(**b.base("note", finding.uid, finding.created_at), abstract=finding.title,
                     content=f"{finding.description}\n{finding.impact}".strip(),
                     object_refs=refs or [b.author.id]))


def _sco(obs: Observable) -> Any | None:
    """The STIX Cyber-observable for an observable, or None when none fits."""
    value, kind = obs.value.strip(), obs.data_type
    if kind == "ip":
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return None
        cls = stix2.IPv4Address if address.version == 4 else stix2.IPv6Address
        return cls(value=str(address))
    if kind in ("domain", "fqdn", "hostname"):
        return stix2.DomainName(value=value)
    simple = {"url": (stix2.URL, "value"), "mail": (stix2.EmailAddress, "value"),
              "filename": (stix2.File, "name"), "user": (stix2.UserAccount, "user_id")}
    if kind in simple:
        cls, prop = simple[kind]
        return cls(**{prop: value})
    if kind == "hash" and len(value) in _HASHES and all(c in "0123456789abcdefABCDEF"
                                                          for c in value):
        return stix2.File(hashes={_HASHES[len(value)]: value.lower()})
    return None


def _incident(b: _Builder, report: IncidentReport, vulns: dict[str, str]) -> None:
    marking = tlp_marking(report.tlp)
    b.add(marking)
    base = b.base("incident", report.uid, report.created_at, marking.id)
    incident = b.add(stix2.Incident(
        **base, name=report.title, description=report.description or report.title,
        labels=[f"rsit-{report.rsit_class}", f"rsit-{report.rsit_type}",
                f"severity-{report.severity.value.lower()}", f"pap-{report.pap.value.lower()}"]))
    when = utc(report.start or report.created_at, b.t0)
    scos = [s for s in (_sco(o) for o in b.data.observables.get(report.id or 0, [])) if s]
    if scos:
        for sco in scos:
            b.add(sco)
        observed = b.add(stix2.ObservedData(
            **b.base("observed-data", report.uid, report.created_at, marking.id),
            first_observed=when, last_observed=utc(report.end, when), number_observed=1,
            object_refs=[s.id for s in scos]))
        b.relation(incident.id, "related-to", observed.id, f"observed/{report.uid}")
    fact_ids, finding_uids = b.data.incident_links(report.id)
    for uid in finding_uids:
        if uid in vulns:
            b.relation(incident.id, "related-to", vulns[uid], f"incident/{report.uid}/{uid}")
    for tid in report.techniques:
        pattern = b.pattern(tid)
        if pattern is not None:
            b.relation(incident.id, "related-to", pattern, f"incident/{report.uid}/{tid}")
    _sightings(b, report, fact_ids, marking.id)
    refs = [incident.id, *(s.id for s in scos), *_related(b, incident.id)]
    # misp-stix skips STIX incident objects; a grouping of the incident is what it
    # turns into a MISP event, tagged with the incident's own TLP.
    b.add(stix2.Grouping(**b.base("grouping", report.uid, report.created_at, marking.id),
                         name=f"Incident report: {report.title}", context="suspicious-activity",
                         description=f"Filed by {report.team}", object_refs=refs))


def _related(b: _Builder, incident_id: str) -> list[str]:
    """Ids the incident's relationships reach, and those relationships."""
    found: list[str] = []
    for obj in list(b.objects.values()):
        if obj.type == "relationship" and obj.source_ref == incident_id:
            found += [obj.target_ref, obj.id]
    return found


def _sightings(b: _Builder, report: IncidentReport, fact_ids: list[int], marking: str) -> None:
    """Blue's detections: one sighting per technique of the red actions the report matched."""
    facts = {f.id: f for f in b.data.red_actions}
    by_technique: dict[str, list[Fact]] = defaultdict(list)
    for fact_id in fact_ids:
        fact = facts.get(fact_id)
        if fact is not None:
            by_technique[str(fact.data.get("technique") or "")].append(fact)
    seen = utc(report.created_at, b.t0)
    for tid, matched in sorted(by_technique.items()):
        pattern = b.pattern(tid)
        if pattern is None:
            continue
        first = min(utc(f.created_at, seen) for f in matched)
        b.add(stix2.Sighting(
            **b.base("sighting", f"{report.uid}/{tid}", report.created_at, marking),
            sighting_of_ref=pattern, where_sighted_refs=[b.team(report.team)],
            count=len(matched), first_seen=first, last_seen=max(seen, first),
            description=f"{report.team} reported it in incident {report.uid!r}",
            external_references=[{"source_name": "cyberrange", "external_id": report.uid}]))


def bundle(data: ExportData) -> stix2.Bundle:
    b = _Builder(data)
    _teams(b)
    _red_actions(b)
    vulns = _findings(b)
    for report in data.incidents:
        _incident(b, report, vulns)
    for evidence in data.evidence:
        b.add(stix2.File(name=evidence.original_name, size=evidence.size,
                         hashes={"SHA-256": evidence.sha256}))
    b.add(tlp_marking(b.level))
    refs = [k for k, o in b.objects.items()
            if o.type not in ("marking-definition", "grouping") and k != b.author.id]
    fields = b.base("report", "after-action")
    fields["modified"] = max(utc(data.generated_at, b.t0), fields["created"])
    seal = data.seal
    report = stix2.Report(
        **fields, name=f"After-action report: {data.scenario.title}",
        description=(f"Audit head #{seal.seq} {seal.hash}, signed {seal.signed_at} by Ed25519 "
                     f"key {seal.key_id}: {seal.signature}") if seal else None,
        published=utc(data.exercise.finished_at, data.generated_at),
        report_types=["attack-pattern", "threat-actor", "vulnerability"],
        object_refs=refs or [b.author.id])
    b.add(report)
    return stix2.Bundle(objects=list(b.objects.values()), id=b.ids("bundle", "records"),
                        allow_custom=False)


def write(data: ExportData, out_dir: Path) -> list[Path]:
    path = out_dir / f"{data.exercise.name}-stix.json"
    path.write_text(bundle(data).serialize(pretty=True), encoding="utf-8")
    return [path]
