"""What a STIX indicator names, for scoring.sharing: addresses, hosts, techniques.

Addresses and host names come from the indicator's STIX pattern
(``ipv4-addr:value``, ``domain-name:value``; a /32 is an address), techniques
from its ATT&CK external references (``source_name: mitre-attack``).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from scoring.sharing import SharedIndicator

_COMPARISON = re.compile(r"([a-z0-9-]+):([a-z0-9_.\[\]*-]+)\s*(?:=|IN|LIKE)\s*'((?:[^'\\]|\\.)*)'")
_TECHNIQUE = re.compile(r"^T\d{4}(?:\.\d{3})?$")


def indicator_terms(obj: dict[str, Any]) -> SharedIndicator:
    addresses: set[str] = set()
    hosts: set[str] = set()
    for object_type, path, value in _COMPARISON.findall(str(obj.get("pattern", ""))):
        address = _address(value)
        if address is not None:
            addresses.add(address)
        elif object_type == "domain-name" and path == "value":
            hosts.add(value.lower())
    techniques = {
        str(ref.get("external_id", "")).upper()
        for ref in obj.get("external_references", [])
        if ref.get("source_name") == "mitre-attack"
        and _TECHNIQUE.match(str(ref.get("external_id", "")).upper())
    }
    return SharedIndicator(str(obj["id"]), frozenset(addresses), frozenset(hosts),
                           frozenset(techniques))


def _address(value: str) -> str | None:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    if network.num_addresses != 1:
        return None
    return str(network.network_address)
