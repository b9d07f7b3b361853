"""TLP 2.0 markings as STIX 2.1 marking definitions.

The ids are the TLP 2.0 marking-definition objects OASIS publishes
(cti-stix-common-objects, extension-definition-specifications/tlp-2.0, extension
``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d``). The STIX 2.1
TLP 1.0 ids that the ``stix2`` library ships are accepted as their TLP 2.0
counterparts (WHITE is CLEAR). Any other marking is unknown and refused.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from records.sharing.errors import SharingError


class Tlp(StrEnum):
    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"

    @property
    def marking_id(self) -> str:
        return MARKING_IDS[self]

    @classmethod
    def parse(cls, text: str) -> Tlp:
        cleaned = text.strip().upper().removeprefix("TLP:").replace("_", "+")
        if cleaned == "WHITE":
            return cls.CLEAR
        try:
            return cls(cleaned)
        except ValueError:
            known = ", ".join(t.value for t in cls)
            raise SharingError(f"unknown TLP {text!r} (known: {known})", field="tlp") from None


TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
MARKING_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_TLP1_IDS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,  # TLP:WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
BY_ID: dict[str, Tlp] = {**{v: k for k, v in MARKING_IDS.items()}, **_TLP1_IDS}


def marking_of(obj: dict[str, Any]) -> Tlp:
    """The one TLP marking in ``object_marking_refs``; SharingError otherwise."""
    refs = obj.get("object_marking_refs") or []
    if obj.get("granular_markings"):
        raise SharingError(f"{obj.get('id')}: granular markings are not supported; mark the "
                           "whole object with object_marking_refs", field="granular_markings")
    unknown = [r for r in refs if r not in BY_ID]
    if unknown:
        raise SharingError(f"{obj.get('id')}: unknown marking {unknown[0]!r}; use a TLP 2.0 "
                           "marking definition", field="object_marking_refs")
    levels = {BY_ID[r] for r in refs}
    if len(levels) != 1:
        what = "no TLP marking" if not levels else "more than one TLP marking"
        raise SharingError(f"{obj.get('id')}: {what}; exactly one is required",
                           field="object_marking_refs")
    return levels.pop()


def is_tlp_definition(obj: dict[str, Any]) -> bool:
    """A marking-definition object of TLP itself (sent along by clients; not stored)."""
    return obj.get("type") == "marking-definition" and obj.get("id") in BY_ID


def marking_definition(level: Tlp) -> dict[str, Any]:
    """The TLP 2.0 marking-definition object (as OASIS publishes it)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": level.marking_id,
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{level.value}",
        "extensions": {TLP_EXTENSION: {"extension_type": "property-extension",
                                       "tlp_2_0": level.value.lower()}},
    }
