"""The collections of an exercise's API root: one per audience.

``feed`` holds every object the caller may read, whatever its marking; the
``tlp-*`` collections hold the objects of one TLP marking each, and an object
added to one of them must carry that marking. Ids are UUIDv5 of the exercise
and the collection name, so they stay the same across restarts and servers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from records.sharing.tlp import Tlp
from webui.taxii.media import STIX

NAMESPACE = uuid.UUID("0b6c7a43-5b1e-5f0e-9c43-2f1c8e1a7d21")


@dataclass(frozen=True)
class Collection:
    key: str
    title: str
    description: str
    tlp: Tlp | None  # None: every marking

    def id_in(self, exercise: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{exercise}/{self.key}"))

    def resource(self, exercise: str, can_write: bool) -> dict[str, Any]:
        return {"id": self.id_in(exercise), "title": self.title,
                "description": self.description, "alias": self.key,
                "can_read": True, "can_write": can_write, "media_types": [STIX]}


COLLECTIONS = (
    Collection("feed", "Sharing feed", "Every object you may read, whatever its TLP.", None),
    *(Collection(f"tlp-{t.value.lower().replace('+', '-')}", f"TLP:{t.value}",
                 f"Objects marked TLP:{t.value} that you may read.", t) for t in Tlp),
)


def find(exercise: str, collection_id: str) -> Collection | None:
    for collection in COLLECTIONS:
        if collection_id in (collection.id_in(exercise), collection.key):
            return collection
    return None
