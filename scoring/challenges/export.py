"""Writing a challenge back out as ctfcli lays it out: ``DIR/challenge.yml`` and its files.

The text written is the data that was imported, keys in ctfcli's order (its
``Challenge.key_order``), so an export imports again to the same challenge and
ctfcli itself reads it (round trip).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from range.errors import RecordError

KEY_ORDER = (
    "name", "author", "category", "description", "attribution", "value", "type", "extra",
    "image", "protocol", "host", "connection_info", "healthcheck", "solution", "attempts",
    "logic", "flags", "files", "topics", "tags", "hints", "requirements", "next",
    "scheduled_at", "module", "state", "version",
)


def ordered(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw``'s keys in ctfcli's order (keys it does not know last, as ctfcli does)."""
    first = {key: raw[key] for key in KEY_ORDER if key in raw}
    return {**first, **{key: value for key, value in raw.items() if key not in first}}


def challenge_yaml(raw: dict[str, Any]) -> str:
    return yaml.safe_dump(ordered(raw), sort_keys=False, allow_unicode=True, width=100)


def safe_dirname(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in name.strip()).strip("-.")
    return cleaned.lower() or "challenge"


def write_challenge(raw: dict[str, Any], files: dict[str, bytes], target: Path) -> Path:
    """``target/challenge.yml`` and each file under its relative path; the yml's path."""
    target.mkdir(parents=True, exist_ok=True)
    base = target.resolve()
    for relative, content in files.items():
        destination = (target / relative).resolve()
        if not destination.is_relative_to(base):
            raise RecordError(f"file {relative!r} would leave {target}")
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
    path = target / "challenge.yml"
    path.write_text(challenge_yaml(raw), encoding="utf-8")
    return path

