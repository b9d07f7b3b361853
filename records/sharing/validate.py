"""Input checks of the feed: the OASIS STIX validator, then the feed's own rules.

Every object of an envelope is checked before anything is stored; the first
problem refuses the whole envelope (nothing stored). The validator's errors
(MUSTs of STIX 2.1, pattern grammar) are refusals; its warnings (SHOULDs,
custom properties such as ``x_cyberrange_recipients``) are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stix2validator import ValidationOptions, validate_instance

from records.sharing.errors import SharingError
from records.sharing.tlp import Tlp, is_tlp_definition, marking_of

# What teams share: STIX domain objects of threat intelligence, and the cyber
# observables that observed data and sightings point to.
SHARED_TYPES = frozenset({
    "indicator", "observed-data", "sighting", "report", "note", "opinion", "attack-pattern",
    "malware", "tool", "vulnerability", "infrastructure", "relationship", "identity",
    "ipv4-addr", "ipv6-addr", "domain-name", "url", "file", "network-traffic", "email-addr",
    "user-account", "process", "x509-certificate", "mac-addr", "directory", "artifact",
})
RECIPIENTS = "x_cyberrange_recipients"
MAX_OBJECTS = 10_000  # per envelope
_OPTIONS = ValidationOptions(version="2.1")


@dataclass(frozen=True)
class Checked:
    """One object that passed: its STIX id, type, version and marking."""

    body: dict[str, Any]
    stix_id: str
    stix_type: str
    version: str  # ``modified`` (SDOs), else "" (SCOs have no versions)
    tlp: Tlp
    recipients: tuple[str, ...]


def check_envelope(objects: Any) -> list[Checked]:
    """The objects to store (TLP marking definitions sent along are dropped)."""
    if not isinstance(objects, list) or not objects:
        raise SharingError("expected a non-empty list of STIX objects", field="objects")
    if len(objects) > MAX_OBJECTS:
        raise SharingError(f"at most {MAX_OBJECTS} objects per request", field="objects")
    checked = []
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise SharingError(f"objects[{index}] is not a JSON object", field="objects")
        if is_tlp_definition(obj):
            continue
        checked.append(check_object(obj))
    if not checked:
        raise SharingError("no object to share besides marking definitions", field="objects")
    return checked


def check_object(obj: dict[str, Any]) -> Checked:
    stix_type = str(obj.get("type", ""))
    if stix_type not in SHARED_TYPES:
        raise SharingError(f"{obj.get('id', stix_type)}: type {stix_type!r} is not shared "
                           "through the feed", field="type")
    if obj.get("spec_version", "2.1") != "2.1":
        raise SharingError(f"{obj.get('id')}: the feed takes STIX 2.1 objects only",
                           field="spec_version")
    result = validate_instance(obj, _OPTIONS)
    if not result.is_valid:
        raise SharingError(f"invalid STIX 2.1: {result.errors[0]}", field="objects")
    tlp = marking_of(obj)
    recipients = obj.get(RECIPIENTS, [])
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise SharingError(f"{RECIPIENTS} must be a list of team names", field=RECIPIENTS)
    return Checked(obj, str(obj["id"]), stix_type, str(obj.get("modified", "")), tlp,
                   tuple(recipients))
