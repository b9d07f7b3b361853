"""Exports of an exercise's records: one module per format, and this registry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from range.errors import RecordError
from records import audit
from records.audit_seal import Sealer
from records.exports import (
    aar_export,
    audit_export,
    csv_export,
    defectdojo_export,
    html_export,
    json_export,
    pdf_export,
    stix_export,
    xapi_export,
    xlsx_export,
)
from records.exports.data import ExportData, collect
from records.findings import draft_from_facts

Exporter = Callable[[ExportData, Path], list[Path]]
log = logging.getLogger(__name__)


class ExportError(RecordError):
    """Some formats could not be written; the others were. Carries both."""

    def __init__(self, written: list[Path], failed: dict[str, str]) -> None:
        self.written, self.failed = written, failed
        reasons = "; ".join(f"{name}: {why}" for name, why in failed.items())
        super().__init__(f"{len(failed)} export format(s) failed ({reasons}); "
                         f"{len(written)} file(s) were written")


def exporters() -> dict[str, Exporter]:
    """Format name → writer. ``all`` is every one of them."""
    return {
        "csv": csv_export.write,
        "json": json_export.write,
        "xlsx": xlsx_export.write,
        "stix": stix_export.write,
        "defectdojo": defectdojo_export.write,
        "xapi": xapi_export.write,
        "html": html_export.write,
        "pdf": pdf_export.write,
        "audit": audit_export.write,
        "aar": aar_export.write,
    }


FORMATS = (*exporters(), "all")


def export(engine: Engine, exercise_name: str, fmt: str, out_dir: Path, actor: str = "system",
           on_written: Callable[[str, list[Path]], None] | None = None,
           sealer: Sealer | None = None) -> list[Path]:
    """Write the exercise's records in ``fmt`` (or ``all``) into ``out_dir``; audited.

    With the installation's ``sealer``, every export carries the audit chain's
    signed head and ``audit`` writes the log that `audit verify FILE` checks.
    """
    table = exporters()
    if fmt != "all" and fmt not in table:
        raise RecordError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordError(f"cannot create output directory {out_dir}: {exc}") from exc
    draft_from_facts(engine, exercise_name)  # exports show every finding due so far
    data = collect(engine, exercise_name, sealer)
    written: list[Path] = []
    failed: dict[str, str] = {}
    for name in table if fmt == "all" else (fmt,):
        try:
            paths = table[name](data, out_dir)
        except Exception as exc:  # one format's failure never stops the others
            log.exception("export format %s of %s failed", name, exercise_name)
            failed[name] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        written += paths
        if on_written is not None:
            on_written(name, paths)
    details: dict[str, object] = {"format": fmt, "files": [p.name for p in written]}
    if failed:
        details["failed"] = sorted(failed)
    audit.append(engine, exercise_name, actor, "records.export", details)
    if failed:
        raise ExportError(written, failed)
    return written
