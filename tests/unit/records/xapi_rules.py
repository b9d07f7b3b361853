"""The xAPI 1.0.3 rules a statement must satisfy (xAPI-Data.md, 1.0.3), as a checker.

What an LRS would reject: ids that are not UUIDs, IRIs that are not absolute,
agents without exactly one inverse functional identifier, scores outside their
range, durations and timestamps that are not ISO 8601, malformed language maps
and context activities. ``violations`` names each broken rule.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
_IRL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_CONTEXT_KEYS = {"parent", "grouping", "category", "other"}


def _uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _lang_map(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        _LANG.match(k) and isinstance(v, str) for k, v in value.items())


def _agent(actor: Any) -> list[str]:
    if not isinstance(actor, dict) or actor.get("objectType", "Agent") != "Agent":
        return ["actor must be an Agent"]
    ifis = [k for k in _IFIS if k in actor]
    if len(ifis) != 1:
        return [f"actor needs exactly one inverse functional identifier, has {ifis}"]
    account = actor.get("account")
    if account is not None and not (_IRL.match(str(account.get("homePage", "")))
                                    and account.get("name")):
        return ["account needs an IRL homePage and a name"]
    return []


def _activity(obj: Any, where: str) -> list[str]:
    if not isinstance(obj, dict) or obj.get("objectType", "Activity") != "Activity":
        return [f"{where} must be an Activity"]
    out = [] if _IRI.match(str(obj.get("id", ""))) else [f"{where} id is not an IRI"]
    definition = obj.get("definition", {})
    if "name" in definition and not _lang_map(definition["name"]):
        out.append(f"{where} name is not a language map")
    if "type" in definition and not _IRI.match(str(definition["type"])):
        out.append(f"{where} type is not an IRI")
    return out


def _score(score: dict[str, Any]) -> list[str]:
    out = []
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if "scaled" in score and not -1 <= score["scaled"] <= 1:
        out.append("score.scaled outside [-1, 1]")
    if low is not None and high is not None and not low < high:
        out.append("score.min must be below score.max")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        out.append("score.raw outside [min, max]")
    return out


def _result(result: dict[str, Any]) -> list[str]:
    out = _score(result.get("score", {}))
    if "duration" in result and not _DURATION.match(result["duration"]):
        out.append("result.duration is not an ISO 8601 duration")
    for flag in ("success", "completion"):
        if flag in result and not isinstance(result[flag], bool):
            out.append(f"result.{flag} must be a boolean")
    return out


def _context(context: dict[str, Any]) -> list[str]:
    out = []
    if "registration" in context and not _uuid(context["registration"]):
        out.append("context.registration is not a UUID")
    for key, activities in context.get("contextActivities", {}).items():
        if key not in _CONTEXT_KEYS:
            out.append(f"contextActivities has unknown key {key!r}")
        listed = activities if isinstance(activities, list) else [activities]
        for activity in listed:
            out += _activity(activity, f"contextActivities.{key}")
    for key in context.get("extensions", {}):
        if not _IRI.match(key):
            out.append(f"extension key {key!r} is not an IRI")
    return out


def _timestamp(value: Any) -> list[str]:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return ["timestamp is not ISO 8601"]
    return [] if parsed.tzinfo is not None else ["timestamp has no time zone"]


def violations(statement: dict[str, Any]) -> list[str]:
    out = [] if _uuid(statement.get("id")) else ["id is not a UUID"]
    out += _agent(statement.get("actor"))
    verb = statement.get("verb", {})
    if not _IRI.match(str(verb.get("id", ""))):
        out.append("verb id is not an IRI")
    if "display" in verb and not _lang_map(verb["display"]):
        out.append("verb display is not a language map")
    out += _activity(statement.get("object"), "object")
    out += _result(statement.get("result", {}))
    out += _context(statement.get("context", {}))
    out += _timestamp(statement.get("timestamp"))
    if statement.get("version", "1.0.3").split(".")[:2] != ["1", "0"]:
        out.append("version must be 1.0.x")
    return out
