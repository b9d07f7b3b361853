"""xAPI 1.0.3 statement building: verbs from the ADL vocabulary, stable ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS: dict[str, str] = {
    name: ADL + name
    for name in ("attempted", "completed", "passed", "failed", "answered", "asked", "shared")
}
# ADL's vocabulary has no verb for filing an incident report; ours is a URN
# (a valid IRI that claims no one else's domain).
VERBS["reported"] = "urn:cyberrange:xapi:verb:reported"
SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
INTERACTION = "http://adlnet.gov/expapi/activities/interaction"
_NAMESPACE = uuid.UUID("6f1c3e0a-55b1-4e0c-9d0e-6c7a2f6b9a10")


def activity_id(*parts: str) -> str:
    return "urn:cyberrange:" + ":".join(p.replace(":", "-") for p in parts)


def agent(username: str, display_name: str, home_page: str) -> dict[str, Any]:
    return {"objectType": "Agent", "name": display_name or username,
            "account": {"homePage": home_page, "name": username}}


def activity(iri: str, name: str, kind: str = SIMULATION) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri,
            "definition": {"name": {"en-US": name}, "type": kind}}


def iso_duration(seconds: float) -> str:
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{hours}H{minutes}M{secs}S"


def score(raw: float, lowest: float, highest: float) -> dict[str, float]:
    """An xAPI score: min <= raw <= max and -1 <= scaled <= 1 (totals may be negative)."""
    low, high = min(0.0, lowest, raw), max(0.0, highest, raw)
    if high == low:
        return {"raw": raw}
    return {"raw": raw, "min": low, "max": high,
            "scaled": round(raw / max(high, -low), 4)}


def registration(scope: str) -> str:
    """The registration (one attempt: one run of one exercise) as a UUID."""
    return str(uuid.uuid5(_NAMESPACE, f"registration:{scope}"))


def statement(key: str, actor: dict[str, Any], verb: str, obj: dict[str, Any],
              timestamp: datetime, result: dict[str, Any] | None = None,
              context: dict[str, Any] | None = None) -> dict[str, Any]:
    """One statement; its id is derived from ``key`` so exports are repeatable."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, key)),
        "actor": actor,
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": obj,
        # SQLite returns naive datetimes; every time we store is UTC.
        "timestamp": (timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)).isoformat(),
        "version": "1.0.3",
    }
    if result:
        body["result"] = result
    if context:
        body["context"] = context
    return body
