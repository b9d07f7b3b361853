"""CSV: one file per record type, every cell safe against formula injection
(cells.safe_cell, then defusedcsv's writer as a second guard)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from defusedcsv import csv  # type: ignore[import-untyped]

from records.exports.cells import (
    AUDIT_COLUMNS,
    FINDING_COLUMNS,
    INCIDENT_COLUMNS,
    TRAINING_COLUMNS,
    row,
    safe_cell,
)
from records.exports.data import ExportData


def tables(data: ExportData) -> dict[str, tuple[tuple[str, ...], list[list[Any]]]]:
    """Sheet name → (header, rows): shared by the CSV and XLSX exports."""
    findings = [[*row(f, FINDING_COLUMNS), data.duplicates.get(f.id or 0, 0)]
                for f in data.findings]
    incidents = []
    for incident in data.incidents:
        facts, finding_uids = data.incident_links(incident.id)
        observables = "; ".join(f"{o.data_type}:{o.value}"
                                for o in data.observables.get(incident.id or 0, []))
        incidents.append([*row(incident, INCIDENT_COLUMNS), observables,
                          ", ".join(finding_uids), ", ".join(map(str, facts))])
    scores = [[t.rank, t.name, t.role, t.total] for t in data.scores.teams]
    return {
        "findings": ((*FINDING_COLUMNS, "duplicates"), findings),
        "incidents": ((*INCIDENT_COLUMNS, "observables", "findings", "red_actions"), incidents),
        "training": (TRAINING_COLUMNS, [row(t, TRAINING_COLUMNS) for t in data.training]),
        "scores": (("rank", "team", "role", "total"), scores),
        "audit": (AUDIT_COLUMNS, [row(a, AUDIT_COLUMNS) for a in data.audit]),
    }


def _write(path: Path, header: Iterable[str], rows: Iterable[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for values in rows:
            writer.writerow([safe_cell(v) for v in values])


def write(data: ExportData, out_dir: Path) -> list[Path]:
    paths = []
    for name, (header, rows) in tables(data).items():
        path = out_dir / f"{data.exercise.name}-{name}.csv"
        _write(path, header, rows)
        paths.append(path)
    return paths
