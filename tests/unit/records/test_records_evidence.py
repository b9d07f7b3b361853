from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from range.config import Settings
from range.errors import RecordError
from records.common import get_exercise
from records.evidence import EvidenceStore, sniff
from records.tables import EvidenceFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PCAP = b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + b"\x00" * 40


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("log.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "media_type"), [
    (PNG, "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    (b"%PDF-1.7\n...", "application/pdf"),
    (PCAP, "application/vnd.tcpdump.pcap"),
    (_zip(), "application/zip"),
    (b'{"alert": 1}', "application/json"),
    ("Journal: connexion refusée\n".encode(), "text/plain"),
])
def test_allowed_types_by_content(content: bytes, media_type: str) -> None:
    assert sniff(content) == media_type


@pytest.mark.parametrize("content", [
    b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
    b"\x7fELF\x02\x01\x01\x00",  # a Linux executable
    b"text with a NUL \x00 inside",
    b"\xc3\x28 invalid utf-8 in the middle of a long enough text sample",
])
def test_other_types_refused(content: bytes) -> None:
    assert sniff(content) is None


def _ex_id(engine: Engine, name: str) -> int:
    with Session(engine) as session:
        ex_id = get_exercise(session, name).id
        assert ex_id is not None
        return ex_id


def test_store_outside_under_uuid_with_sha256(engine: Engine, exercise: str,
                                               settings: Settings) -> None:
    store = EvidenceStore.for_data_dir(settings.data_dir)
    record = store.add(engine, _ex_id(engine, exercise), "../../etc/shot.png", io.BytesIO(PNG),
                       uploaded_by="web:bea")
    path = store.path_of(record)
    assert path.parent == settings.data_dir / "evidence"
    assert path.name == record.uid and record.original_name == "shot.png"
    assert path.read_bytes() == PNG
    assert record.sha256 == hashlib.sha256(PNG).hexdigest() and record.size == len(PNG)
    assert record.media_type == "image/png"
    assert os.stat(path).st_mode & 0o077 == 0  # private to the service user
    assert store.verify(record)


def test_refusals_leave_nothing_behind(engine: Engine, exercise: str, tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence", max_bytes=1000)
    ex_id = _ex_id(engine, exercise)
    with pytest.raises(RecordError, match="larger than"):
        store.add(engine, ex_id, "big.txt", io.BytesIO(b"a" * 70_000))
    with pytest.raises(RecordError, match="not allowed"):
        store.add(engine, ex_id, "evil.exe", io.BytesIO(b"MZ\x90\x00" * 10))
    with pytest.raises(RecordError, match="empty"):
        store.add(engine, ex_id, "empty.txt", io.BytesIO(b""))
    assert list((tmp_path / "evidence").iterdir()) == []
    with Session(engine) as session:
        assert session.exec(select(EvidenceFile)).all() == []


def test_default_limit_is_ten_mib(tmp_path: Path) -> None:
    assert EvidenceStore.for_data_dir(tmp_path).max_bytes == 10 * 1024 * 1024


def test_tampered_file_fails_verification(engine: Engine, exercise: str, tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    record = store.add(engine, _ex_id(engine, exercise), "a.txt", io.BytesIO(b"original"))
    store.path_of(record).write_bytes(b"changed!")
    assert not store.verify(record)
