"""The sharing feed as a MISP event (PyMISP's event JSON format).

One event per export: the entries a reader may see (staff: the whole feed).
Each value an indicator's pattern compares (address, domain, URL, hash, file
name) becomes an attribute with ``to_ids``, tagged with the entry's TLP
(``tlp:clear`` … ``tlp:red``, MISP's TLP 2.0 taxonomy) and with the MITRE
ATT&CK galaxy (``misp-galaxy:mitre-attack-pattern="<name> - <id>"``) for each
technique it names; reports become ``text`` attributes. The event carries the
most restrictive TLP of its attributes and the ATT&CK galaxy clusters, named
from the pinned ATT&CK release (range.taxonomy). Observed data and sightings
are not exported yet.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from range.taxonomy import TaxonomyError, technique
from records import audit
from records.sharing.audience import Caller
from records.sharing.feed import MAX_PAGE, Entry, read_page
from records.sharing.tlp import Tlp

_COMPARISON = re.compile(r"([a-z0-9-]+):([A-Za-z0-9_.'\-]+)\s*=\s*'((?:[^'\\]|\\.)*)'")
# (STIX object type, property path) -> (MISP attribute type, category)
_TYPES: dict[tuple[str, str], tuple[str, str]] = {
    ("ipv4-addr", "value"): ("ip-dst", "Network activity"),
    ("ipv6-addr", "value"): ("ip-dst", "Network activity"),
    ("domain-name", "value"): ("domain", "Network activity"),
    ("url", "value"): ("url", "Network activity"),
    ("email-addr", "value"): ("email-src", "Payload delivery"),
    ("file", "name"): ("filename", "Payload delivery"),
    ("file", "hashes.'SHA-256'"): ("sha256", "Payload delivery"),
    ("file", "hashes.'MD5'"): ("md5", "Payload delivery"),
}
_ORDER = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)
NAMESPACE = uuid.UUID("6f1de0a1-8a55-5f2b-9a3a-9d5b1f0c4e11")


def tlp_tag(level: Tlp) -> str:
    return f"tlp:{level.value.lower()}"


def galaxy_value(technique_id: str) -> str | None:
    try:
        found = technique(technique_id)
    except TaxonomyError:
        return None
    return f"{found.name} - {found.id}"


def export_feed(engine: Engine, exercise_name: str, caller: Caller,
                day: date | None = None) -> dict[str, Any]:
    """What ``caller`` may read of the feed, as one MISP event (audited)."""
    entries: list[Entry] = []
    after: int | None = None
    while True:
        page = read_page(engine, exercise_name, caller, after_id=after, limit=MAX_PAGE)
        entries += page.entries
        if not page.more:
            break
        after = page.entries[-1].id
    audit.append(engine, exercise_name, caller.name, "share.export",
                 {"format": "misp", "entries": len(entries), "team": caller.team})
    return misp_event(exercise_name, entries, day or date.today())


def misp_event(exercise: str, entries: list[Entry], day: date) -> dict[str, Any]:
    attributes = [a for entry in entries for a in _attributes(entry)]
    levels = {Tlp(e.tlp) for e in entries} or {Tlp.CLEAR}
    clusters = sorted({v for e in entries for v in _galaxies(e.body)})
    event: dict[str, Any] = {
        "uuid": str(uuid.uuid5(NAMESPACE, exercise)),
        "info": f"Sharing feed of exercise {exercise}",
        "date": day.isoformat(), "threat_level_id": "2", "analysis": "2",
        "distribution": "0", "published": False,
        "Tag": [{"name": tlp_tag(max(levels, key=_ORDER.index))}],
        "Attribute": attributes,
    }
    if clusters:
        event["Galaxy"] = [{"type": "mitre-attack-pattern", "name": "Attack Pattern",
                            "GalaxyCluster": [_cluster(v) for v in clusters]}]
    return {"Event": event}


def _cluster(value: str) -> dict[str, Any]:
    return {"type": "mitre-attack-pattern", "value": value, "tag_name": _galaxy_tag(value),
            "meta": {"external_id": [value.rsplit(" - ", 1)[1]]}}


def _galaxy_tag(value: str) -> str:
    return f'misp-galaxy:mitre-attack-pattern="{value}"'


def _galaxies(body: dict[str, Any]) -> Iterator[str]:
    for ref in body.get("external_references", []):
        if ref.get("source_name") == "mitre-attack":
            value = galaxy_value(str(ref.get("external_id", "")))
            if value is not None:
                yield value


def _attributes(entry: Entry) -> Iterator[dict[str, Any]]:
    body = entry.body
    tags = [{"name": tlp_tag(Tlp(entry.tlp))}, *(
        {"name": _galaxy_tag(v)} for v in sorted(set(_galaxies(body))))]
    common = {"comment": str(body.get("name", ""))[:255], "Tag": tags,
              "distribution": "5", "disable_correlation": False}
    if entry.stix_type == "indicator":
        for object_type, path, value in _COMPARISON.findall(str(body.get("pattern", ""))):
            kind = _TYPES.get((object_type, path))
            if kind is not None:
                yield {"uuid": str(uuid.uuid5(NAMESPACE, f"{entry.stix_id}/{value}")),
                       "type": kind[0], "category": kind[1], "value": value, "to_ids": True,
                       **common}
    elif entry.stix_type == "report":
        text = f"{body.get('name', '')}\n\n{body.get('description', '')}".strip()
        yield {"uuid": str(uuid.uuid5(NAMESPACE, entry.stix_id)), "type": "text",
               "category": "Other", "value": text, "to_ids": False, **common}
