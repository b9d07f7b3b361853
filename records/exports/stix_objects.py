"""Building blocks of the STIX 2.1 export: deterministic ids, TLP 2.0 markings, ATT&CK.

Ids are UUIDv4-shaped (what STIX asks of SDOs) but derived from a hash of a fixed
namespace and the record's natural key, scoped by the exercise (its name and
creation time), so exporting the same exercise again gives
the same ids and a MISP or OpenCTI that imports it twice updates its objects
instead of duplicating them. A later export of the same object is a new version:
same id, same ``created``.

TLP 2.0 markings are the OASIS marking definitions (fixed ids, the ``tlp_2_0``
property extension); STIX's built-in TLP objects are TLP 1.0, which has no
AMBER+STRICT and no CLEAR.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import stix2

from range.taxonomy import technique
from records.tables import Tlp
from scoring.tables import Exercise

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cyberrange:stix")
TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_IDENTITY = "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01"  # FIRST, author of TLP 2.0
_TLP_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_TLP_ORDER = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED]
TLP_CREATED = datetime(2022, 10, 1, tzinfo=UTC)


def utc(value: datetime | None, default: datetime) -> datetime:
    """A timezone-aware UTC time (the database may hand back naive UTC times)."""
    value = value or default
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Ids:
    """Deterministic STIX ids of one exercise's objects."""

    def __init__(self, exercise: Exercise) -> None:
        created = utc(exercise.created_at, datetime(1970, 1, 1, tzinfo=UTC)).isoformat()
        self.scope = f"{exercise.name}@{created}"

    def __call__(self, stix_type: str, *key: object) -> str:
        name = "/".join([self.scope, stix_type, *(str(k) for k in key)])
        digest = hashlib.sha256(NAMESPACE.bytes + name.encode("utf-8")).digest()
        # STIX wants UUIDv4 for SDOs/SROs: version 4 bits over a hash, not over chance.
        return f"{stix_type}--{uuid.UUID(bytes=digest[:16], version=4)}"


def tlp_marking(level: Tlp) -> stix2.MarkingDefinition:
    """The OASIS TLP 2.0 marking definition for a level (same id and content everywhere)."""
    name = f"TLP:{level.value}"
    return stix2.MarkingDefinition(
        id=_TLP_IDS[level], created=TLP_CREATED, created_by_ref=TLP_IDENTITY, name=name,
        extensions={TLP_EXTENSION: {"extension_type": "property-extension",
                                    "tlp_2_0": level.value.lower()}})


def strictest(levels: list[Tlp], floor: Tlp = Tlp.AMBER) -> Tlp:
    """The most restrictive of ``levels`` and ``floor``."""
    return max([floor, *levels], key=_TLP_ORDER.index)


def attack_pattern(ids: Ids, technique_id: str, created: datetime, author: str,
                   marking: str) -> stix2.AttackPattern:
    """An ATT&CK technique named, linked and phased as in the pinned ATT&CK release."""
    tech = technique(technique_id)
    return stix2.AttackPattern(
        id=ids("attack-pattern", tech.id), created=created, modified=created,
        name=tech.full_name, created_by_ref=author, object_marking_refs=[marking],
        # No "url": the validator's strict mode wants a hash of what a URL points to.
        external_references=[{"source_name": "mitre-attack", "external_id": tech.id}],
        kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": phase}
                           for phase in tech.tactics])


def common(ids: Ids, stix_type: str, key: object, created: datetime, author: str,
           marking: str) -> dict[str, Any]:
    """The properties every object of ours carries."""
    return {"id": ids(stix_type, key), "created": created, "modified": created,
            "created_by_ref": author, "object_marking_refs": [marking]}
