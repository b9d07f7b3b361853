"""Turning records into flat rows, and making cells safe for spreadsheets."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from enum import Enum
from typing import Any

from defusedcsv.csv import _escape as _defused  # type: ignore[import-untyped]

# What a spreadsheet may read as a formula is decided by defusedcsv's rule (a
# first character of = + - @ | %, numbers excepted), applied to the text as a
# spreadsheet sees it: leading blanks, byte-order marks and zero-width
# characters skipped, fullwidth forms folded (NFKC: U+FF1D is "="). Tab and CR
# first (OWASP's list) count too. A leading single quote makes it plain text.
FORMULA_TRIGGERS = ("\t", "\r")
_INVISIBLE = " \t\r\n\ufeff\u200b\u200c\u200d\u2060\u00a0\u3000"

# C0 control characters other than tab, newline and carriage return, and DEL:
# XML 1.0 (so XLSX and HTML) forbids most of them, and in a CSV or a report
# opened in a terminal an ESC starts an escape sequence.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def visible(text: str) -> str:
    """``text`` with each control character shown as ``\\xNN`` (inert, still readable)."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def is_formula(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula (see FORMULA_TRIGGERS)."""
    if text.startswith(FORMULA_TRIGGERS):
        return True
    seen = unicodedata.normalize("NFKC", text.lstrip(_INVISIBLE))
    return bool(seen) and _defused(seen) != seen


def plain(value: Any) -> str | int | float | bool | None:
    """A JSON/CSV-friendly scalar."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        return ", ".join(str(plain(v)) for v in value)
    return str(value)


def safe_cell(value: Any) -> Any:
    """The value with control characters made visible, and neutralised if a
    spreadsheet would read it as a formula (CSV and XLSX)."""
    value = plain(value)
    if isinstance(value, str):
        value = visible(value)
        if is_formula(value):
            return "'" + value
    return value


def row(obj: Any, columns: tuple[str, ...]) -> list[Any]:
    """Plain values; times stay datetimes (XLSX writes them as dates, CSV as ISO text)."""
    values = [getattr(obj, name) for name in columns]
    return [v if isinstance(v, datetime) else plain(v) for v in values]


FINDING_COLUMNS = (
    "uid", "title", "severity", "status", "cwe", "cvss_vector", "cvss_score", "techniques",
    "affected_hosts", "team", "reporter", "vulnerability", "tick", "description",
    "steps_to_reproduce", "impact", "mitigation", "confirmed_by", "confirmed_at", "created_at",
)
INCIDENT_COLUMNS = (
    "uid", "title", "severity", "tlp", "pap", "rsit_class", "rsit_type", "status", "start",
    "end", "techniques", "host_refs", "team", "reporter", "tick", "description", "created_at",
    "phase", "detected_at", "contained_at", "eradicated_at", "recovered_at", "closed_at",
    "functional_impact", "information_impact", "recoverability",
)
TRAINING_COLUMNS = (
    "username", "display_name", "exercise", "role", "team", "work_role", "work_role_current",
    "score", "success", "duration_seconds",
)
AUDIT_COLUMNS = ("seq", "at", "actor", "action", "details", "prev_hash", "hash")

