"""STIX objects built for people and scripts that do not write STIX by hand."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime
from typing import Any

from records.sharing.errors import SharingError
from records.sharing.tlp import Tlp
from records.sharing.validate import RECIPIENTS


def stix_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def indicator_for(value: str, tlp: Tlp, *, techniques: list[str] | None = None,
                  recipients: list[str] | None = None, name: str = "",
                  description: str = "") -> dict[str, Any]:
    """An indicator for an IPv4/IPv6 address or a domain name, marked ``tlp``."""
    try:
        address = ipaddress.ip_address(value)
        kind = "ipv4-addr" if address.version == 4 else "ipv6-addr"
    except ValueError:
        if not value or "'" in value or " " in value:
            raise SharingError(f"not an address or domain name: {value!r}") from None
        kind = "domain-name"
    now = stix_now()
    obj: dict[str, Any] = {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
        "created": now, "modified": now, "valid_from": now,
        "name": name or f"Malicious {kind} {value}",
        "description": description or f"{value} seen attacking us",
        "indicator_types": ["malicious-activity"], "pattern_type": "stix",
        "pattern": f"[{kind}:value = '{value}']", "object_marking_refs": [tlp.marking_id],
    }
    if techniques:
        obj["external_references"] = [
            {"source_name": "mitre-attack", "external_id": t.upper(),
             "url": f"https://attack.mitre.org/techniques/{t.upper().replace('.', '/')}/"}
            for t in techniques]
    if recipients:
        obj[RECIPIENTS] = recipients
    return obj


def is_advisory(obj: dict[str, Any]) -> bool:
    return obj.get("type") == "report" and "advisory" in (obj.get("labels") or [])


def advisory_report(title: str, text: str, refs: list[str], tlp: Tlp) -> dict[str, Any]:
    """An ISAC advisory: a STIX threat report labelled ``advisory`` over ``refs``."""
    if not title.strip() or not refs:
        raise SharingError("an advisory needs a title and the objects it is about")
    now = stix_now()
    return {
        "type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
        "created": now, "modified": now, "published": now, "name": title,
        "description": text, "report_types": ["threat-report"], "labels": ["advisory"],
        "object_refs": refs, "object_marking_refs": [tlp.marking_id],
    }
