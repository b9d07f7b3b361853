"""Importing participants (user accounts) from CSV rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from range.errors import CyberrangeError
from webui.accounts import create_user

REQUIRED_COLUMNS = ("username", "role", "password")


@dataclass
class ImportReport:
    created: int = 0
    errors: list[str] = field(default_factory=list)


def import_participants(engine: Engine, rows: Iterable[Mapping[str, str | None]]) -> ImportReport:
    """Create one user per row; bad rows are reported by line number, good rows still land."""
    report = ImportReport()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        missing = [c for c in REQUIRED_COLUMNS if not (row.get(c) or "").strip()]
        if missing:
            report.errors.append(f"line {line}: missing {', '.join(missing)}")
            continue
        try:
            create_user(
                engine,
                (row.get("username") or "").strip(),
                row.get("password") or "",
                (row.get("role") or "").strip(),
                team=(row.get("team") or "").strip() or None,
                display_name=(row.get("name") or "").strip(),
                email=(row.get("email") or "").strip(),
            )
        except (CyberrangeError, ValueError) as exc:
            report.errors.append(f"line {line}: {exc}")
            continue
        report.created += 1
    return report
