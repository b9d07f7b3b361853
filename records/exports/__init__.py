"""Exports of an exercise's records: one module per format, and this registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from range.errors import RecordError
from records import audit
from records.exports import (
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
    }


FORMATS = (*exporters(), "all")


def export(engine: Engine, exercise_name: str, fmt: str, out_dir: Path, actor: str = "system",
           on_written: Callable[[str, list[Path]], None] | None = None) -> list[Path]:
    """Write the exercise's records in ``fmt`` (or ``all``) into ``out_dir``; audited."""
    table = exporters()
    if fmt != "all" and fmt not in table:
        raise RecordError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordError(f"cannot create output directory {out_dir}: {exc}") from exc
    draft_from_facts(engine, exercise_name)  # exports show every finding due so far
    data = collect(engine, exercise_name)
    written: list[Path] = []
    for name in table if fmt == "all" else (fmt,):
        paths = table[name](data, out_dir)
        written += paths
        if on_written is not None:
            on_written(name, paths)
    audit.append(engine, exercise_name, actor, "records.export",
                 {"format": fmt, "files": [p.name for p in written]})
    return written
