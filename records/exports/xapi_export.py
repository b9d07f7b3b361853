"""xAPI: every training record's statements, as one JSON array (LRS-ready)."""

from __future__ import annotations

import json
from pathlib import Path

from records.exports.data import ExportData


def write(data: ExportData, out_dir: Path) -> list[Path]:
    statements = [s for record in data.training for s in record.statements]
    path = out_dir / f"{data.exercise.name}-xapi.json"
    path.write_text(json.dumps(statements, indent=2, ensure_ascii=False), encoding="utf-8")
    return [path]
