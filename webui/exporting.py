"""Exports for download: written to a temporary directory, sent as one file or a zip."""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from range.errors import NotFoundError
from records.audit_seal import Sealer
from records.exports import ExportError, export

MEDIA_TYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".html": "text/html",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}


@dataclass(frozen=True)
class Download:
    name: str
    media_type: str
    body: bytes


def export_download(engine: Engine, exercise_name: str, fmt: str, part: str = "",
                    sealer: Sealer | None = None) -> Download:
    """The export in ``fmt``: its single file, the file named ``part``
    (e.g. ``incidents`` for ``<exercise>-incidents.csv``), or a zip of all of them."""
    with tempfile.TemporaryDirectory(prefix="cyberrange-export-") as tmp:
        failed: dict[str, str] = {}
        try:
            paths = sorted(export(engine, exercise_name, fmt, Path(tmp), sealer=sealer))
        except ExportError as exc:  # the formats that worked, and a note of the others
            if not exc.written or fmt != "all":
                raise
            paths, failed = sorted(exc.written), exc.failed
        if part:
            paths = [p for p in paths if p.stem == f"{exercise_name}-{part}" or p.stem == part]
            if not paths:
                raise NotFoundError(f"the {fmt} export has no part {part!r}")
        if len(paths) == 1:
            path = paths[0]
            kind = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
            return Download(path.name, kind, path.read_bytes())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, path.relative_to(tmp).as_posix())
            if failed:
                archive.writestr("FAILED.txt", "".join(f"{k}: {v}\n" for k, v in failed.items()))
        return Download(f"{exercise_name}-{fmt}.zip", "application/zip", buffer.getvalue())
