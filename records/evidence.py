"""Evidence files: size limit, type allowlist by content, stored under a uuid.

Files land in ``settings.data_dir / "evidence" / <uuid>``, outside any web
root, never under the name the uploader gave. The type is decided by the
bytes (magic numbers), not by the file name or the client's claimed type.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from range.errors import NotFoundError, RecordError
from records.tables import EvidenceFile, Finding, IncidentReport, new_uid

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_CHUNK = 64 * 1024

# magic prefix → media type. Order matters only where prefixes overlap (none do).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),  # empty zip
    (b"\xd4\xc3\xb2\xa1", "application/vnd.tcpdump.pcap"),  # pcap, little-endian
    (b"\xa1\xb2\xc3\xd4", "application/vnd.tcpdump.pcap"),  # pcap, big-endian
    (b"\x4d\x3c\xb2\xa1", "application/vnd.tcpdump.pcap"),  # pcap, ns resolution
    (b"\xa1\xb2\x3c\x4d", "application/vnd.tcpdump.pcap"),
    (b"\x0a\x0d\x0d\x0a", "application/x-pcapng"),
)
ALLOWED_TYPES = frozenset(t for _, t in _MAGIC) | {"application/json", "text/plain"}


def sniff(head: bytes) -> str | None:
    """The media type of content starting with ``head``, or None if not allowed."""
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    return _sniff_text(head)


def _sniff_text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sample may end inside a multi-byte character; accept only that case.
        if exc.start < len(head) - 3:
            return None
        text = head[: exc.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
        return None
    if text.lstrip().startswith(("{", "[")):
        return "application/json"
    return "text/plain"


@dataclass(frozen=True)
class EvidenceStore:
    """Where evidence files are kept, and how big they may be."""

    directory: Path
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def for_data_dir(cls, data_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> EvidenceStore:
        return cls(data_dir / "evidence", max_bytes)

    def path_of(self, record: EvidenceFile) -> Path:
        return self.directory / record.uid

    def add(self, engine: Engine, exercise_id: int, name: str, stream: BinaryIO,
            uploaded_by: str = "", finding_id: int | None = None,
            incident_id: int | None = None) -> EvidenceFile:
        """Check, store and record one file; nothing is kept if a check fails."""
        _check_owner(engine, exercise_id, finding_id, incident_id)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        uid = new_uid()
        target = self.directory / uid
        partial = self.directory / f".{uid}.part"
        try:
            size, digest, media_type = self._copy_checked(stream, partial, name)
            partial.rename(target)
        finally:
            partial.unlink(missing_ok=True)
        record = EvidenceFile(
            exercise_id=exercise_id, uid=uid, original_name=Path(name).name[:255] or "evidence",
            media_type=media_type, size=size, sha256=digest, uploaded_by=uploaded_by,
            finding_id=finding_id, incident_id=incident_id,
        )
        try:
            with Session(engine) as session:
                session.add(record)
                session.commit()
                session.refresh(record)
        except Exception:
            target.unlink(missing_ok=True)
            raise
        return record

    def _copy_checked(self, stream: BinaryIO, partial: Path, name: str) -> tuple[int, str, str]:
        digest, size, media_type = hashlib.sha256(), 0, None
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                if media_type is None:
                    media_type = sniff(chunk[:4096])
                    if media_type is None:
                        raise RecordError(
                            f"evidence {name!r}: file type not allowed (allowed: png, jpeg, "
                            "pdf, text, json, pcap, zip)"
                        )
                size += len(chunk)
                if size > self.max_bytes:
                    raise RecordError(
                        f"evidence {name!r} is larger than the limit of {self.max_bytes} bytes"
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise RecordError(f"evidence {name!r} is empty")
        return size, digest.hexdigest(), media_type or "text/plain"

    def verify(self, record: EvidenceFile) -> bool:
        """True when the stored file still has its recorded sha256."""
        digest = hashlib.sha256()
        with self.path_of(record).open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == record.sha256


def _check_owner(engine: Engine, exercise_id: int, finding_id: int | None,
                 incident_id: int | None) -> None:
    """NotFoundError unless the finding and incident named exist in this exercise."""
    with Session(engine) as session:
        finding = None if finding_id is None else session.get(Finding, finding_id)
        incident = None if incident_id is None else session.get(IncidentReport, incident_id)
    if finding_id is not None and (finding is None or finding.exercise_id != exercise_id):
        raise NotFoundError(f"no finding {finding_id} in this exercise")
    if incident_id is not None and (incident is None or incident.exercise_id != exercise_id):
        raise NotFoundError(f"no incident report {incident_id} in this exercise")
