"""The STIX 2.1 bundle, read back with its readers' own tools: the OASIS validator
in strict mode, and misp-stix (MISP's importer)."""

from __future__ import annotations

import json
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from stix2.parsing import parse
from stix2validator import ValidationOptions, validate_string

from records.exports import export

TLP2_AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"


def _bundle(engine: Engine, name: str, out: Path) -> tuple[str, list[dict[str, Any]]]:
    (path,) = export(engine, name, "stix", out)
    text = path.read_text()
    return text, json.loads(text)["objects"]


def test_strict_validator_is_clean(engine: Engine, played: str, tmp_path: Path) -> None:
    text, _ = _bundle(engine, played, tmp_path)
    results = validate_string(text, ValidationOptions(version="2.1", strict=True))
    assert results.is_valid, [str(e) for e in results.errors]
    assert not results.warnings, [str(w) for w in results.warnings]


def test_records_become_the_right_objects(engine: Engine, played: str, tmp_path: Path) -> None:
    _, objects = _bundle(engine, played, tmp_path)
    kinds = Counter(o["type"] for o in objects)
    assert kinds["threat-actor"] == kinds["sighting"] == kinds["grouping"] == kinds["incident"] == 1
    teams = {o["name"] for o in objects if o["type"] == "identity" and
             o["identity_class"] == "group"}
    assert teams == {"red", "blue-1", "blue-2"}
    uses = [o for o in objects if o["type"] == "relationship" and o["relationship_type"] == "uses"]
    assert len(uses) == 3  # the three red actions of the played exercise, each timed
    assert all("start_time" in o for o in uses)
    vulns = {o["name"] for o in objects if o["type"] == "vulnerability"}
    assert not any(v.startswith("Objective reached") for v in vulns)
    (note,) = [o for o in objects if o["type"] == "note"]
    assert note["abstract"].startswith("Objective reached")
    sighting = next(o for o in objects if o["type"] == "sighting")
    blue1 = next(o["id"] for o in objects if o.get("name") == "blue-1")
    assert sighting["where_sighted_refs"] == [blue1]


def test_attack_patterns_come_from_mitre_data(engine: Engine, played: str, tmp_path: Path) -> None:
    _, objects = _bundle(engine, played, tmp_path)
    patterns = {o["external_references"][0]["external_id"]: o for o in objects
                if o["type"] == "attack-pattern"}
    assert patterns["T1190"]["name"] == "Exploit Public-Facing Application"
    assert patterns["T1190"]["kill_chain_phases"] == [
        {"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}]
    assert patterns["T1110.001"]["name"] == "Brute Force: Password Guessing"


def test_tlp_2_markings_on_every_object(engine: Engine, played: str, tmp_path: Path) -> None:
    _, objects = _bundle(engine, played, tmp_path)
    (marking,) = [o for o in objects if o["type"] == "marking-definition"]
    assert marking["id"] == TLP2_AMBER_STRICT and marking["name"] == "TLP:AMBER+STRICT"
    assert marking["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"][
        "tlp_2_0"] == "amber+strict"
    for obj in objects:  # SDOs and SROs; SCOs may go unmarked
        if obj["type"] in ("report", "vulnerability", "incident", "attack-pattern", "sighting",
                           "relationship", "identity", "note", "grouping", "threat-actor"):
            assert obj["object_marking_refs"] == [TLP2_AMBER_STRICT], obj["id"]


def test_ids_are_deterministic(engine: Engine, played: str, tmp_path: Path) -> None:
    _, first = _bundle(engine, played, tmp_path / "a")
    _, second = _bundle(engine, played, tmp_path / "b")
    assert sorted(o["id"] for o in first) == sorted(o["id"] for o in second)
    stable = [o for o in first if o["type"] != "report"]
    assert stable == [o for o in second if o["type"] != "report"]


def test_misp_stix_imports_incident_patterns_and_tlp(engine: Engine, played: str,
                                                      tmp_path: Path) -> None:
    with warnings.catch_warnings():  # its STIX 1 dependencies (six) import the old way
        warnings.simplefilter("ignore", ImportWarning)
        from misp_stix_converter import ExternalSTIX2toMISPParser
    text, _ = _bundle(engine, played, tmp_path)
    parser = ExternalSTIX2toMISPParser()
    parser.load_stix_bundle(parse(text, allow_custom=True))
    parser.parse_stix_bundle()
    events = {e.info: e for e in parser.misp_events}
    incident = events["Incident report: =cmd|' /C calc'!A0 SQLi"]
    assert "tlp:amber+strict" in [t.name for t in incident.tags]
    clusters = {c.value: c.meta for g in incident.galaxies for c in g.clusters
                if g.type == "stix-2.1-attack-pattern"}
    assert clusters["Exploit Public-Facing Application"]["external_id"] == "T1190"
    assert clusters["Exploit Public-Facing Application"]["kill_chain"] == [
        "mitre-attack:initial-access"]
    assert {a.value for a in incident.attributes} >= {"198.51.100.10"}
    report = events["After-action report: DMZ web server breach"]
    assert "tlp:amber+strict" in [t.name for t in report.tags]
