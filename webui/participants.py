"""Importing participants (user accounts) from CSV rows.

Columns: username, role, team, password, and optionally name, email and
exercise. With ``exercise``, the user joins that exercise in ``team``; a row
naming an account that exists already only adds the membership (so one file
can enrol the same people in several exercises)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from range.errors import CyberrangeError
from webui.accounts import create_user, find_user
from webui.membership import join

REQUIRED_COLUMNS = ("username", "role", "password")


@dataclass
class ImportReport:
    created: int = 0
    joined: int = 0  # rows of existing users that only added a membership
    errors: list[str] = field(default_factory=list)


def import_participants(engine: Engine, rows: Iterable[Mapping[str, str | None]]) -> ImportReport:
    """Create one user per row; bad rows are reported by line number, good rows still land."""
    report = ImportReport()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            if _import_row(engine, row):
                report.created += 1
            else:
                report.joined += 1
        except (CyberrangeError, ValueError) as exc:
            report.errors.append(f"line {line}: {exc}")
    return report


def _import_row(engine: Engine, row: Mapping[str, str | None]) -> bool:
    """Create the row's user (True) or find it; then join its exercise, if any."""
    username = (row.get("username") or "").strip()
    exercise = (row.get("exercise") or "").strip()
    team = (row.get("team") or "").strip() or None
    existing = find_user(engine, username) if exercise else None
    if existing is None:
        missing = [c for c in REQUIRED_COLUMNS if not (row.get(c) or "").strip()]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        create_user(
            engine,
            (row.get("username") or "").strip(),
            row.get("password") or "",
            (row.get("role") or "").strip(),
            team=(row.get("team") or "").strip() or None,
            display_name=(row.get("name") or "").strip(),
            email=(row.get("email") or "").strip(),
        )
    if exercise:
        join(engine, username, exercise, team)
    return existing is None
