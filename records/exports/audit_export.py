"""The audit log with its signed head, as ``audit verify FILE`` checks it offline,
and the installation's public key beside it (written only when the export is signed)."""

from __future__ import annotations

import json
from pathlib import Path

from records.exports.data import ExportData


def write(data: ExportData, out_dir: Path) -> list[Path]:
    if data.audit_document is None:
        return []  # unsigned export (no key given): nothing to verify against
    path = out_dir / f"{data.exercise.name}-audit.json"
    path.write_text(json.dumps(data.audit_document, indent=2, ensure_ascii=False),
                    encoding="utf-8")
    key = out_dir / f"{data.exercise.name}-audit-key.pub"
    key.write_text(data.audit_document["public_key"], encoding="utf-8")
    return [path, key]
