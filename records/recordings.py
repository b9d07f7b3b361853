"""Terminal recordings: every browser-terminal session kept as an asciicast v2 file.

A recording is evidence of what a team did on a host: what the terminal
showed (``"o"`` events) and what was typed (``"i"``), with times, in the
asciicast v2 format that players and auditors' tools already read::

    {"version": 2, "width": 80, "height": 24, "timestamp": 1700000000, ...}
    [0.104, "o", "root@web:~# "]
    [1.250, "i", "id\\r"]
    [1.300, "r", "120x40"]

Files live under ``<data dir>/recordings/<exercise>/<session>.cast``, written
line by line and flushed, so a session can be watched while it runs. The
audit log links them: ``terminal.start`` when a session opens and
``terminal.end`` with the file's size and SHA-256 when it closes; the chain's
hashes make a later edit of the file detectable against that entry.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from range.errors import NotFoundError, RecordError

VERSION = 2
RECORDINGS_DIR = "recordings"
SESSION_ID = re.compile(r"^[0-9a-f]{16}$")
EVENT_CODES = frozenset({"o", "i", "r", "m"})


def new_session_id() -> str:
    return secrets.token_hex(8)


def recording_path(data_dir: Path, exercise: str, session: str) -> Path:
    """Where a session's file lives; the id is checked so no name can leave the folder."""
    if not SESSION_ID.match(session):
        raise NotFoundError(f"no terminal session {session!r}")
    return data_dir / RECORDINGS_DIR / exercise / f"{session}.cast"


@dataclass(frozen=True)
class Summary:
    """What the audit log keeps of a closed recording."""

    size: int
    sha256: str
    events: int
    duration: float


class CastWriter:
    """Writes one asciicast v2 file; safe to call from the reader and writer threads."""

    def __init__(self, path: Path, width: int, height: int, title: str = "") -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = path
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._hash = hashlib.sha256()
        self._size = 0
        self._events = 0
        self._last = 0.0
        self._file: TextIO | None = path.open("x", encoding="utf-8", newline="\n")
        header: dict[str, Any] = {
            "version": VERSION,
            "width": width,
            "height": height,
            "timestamp": int(time.time()),
            "env": {"TERM": "xterm-256color"},
        }
        if title:
            header["title"] = title
        self._line(header)

    def output(self, text: str) -> None:
        self._event("o", text)

    def input(self, text: str) -> None:
        self._event("i", text)

    def resize(self, cols: int, rows: int) -> None:
        self._event("r", f"{cols}x{rows}")

    def _event(self, code: str, data: str) -> None:
        with self._lock:
            if self._file is None:
                return  # closed: late output after the session ended is not evidence
            self._last = round(time.monotonic() - self._started, 6)
            self._events += 1
            self._line([self._last, code, data])

    def _line(self, value: Any) -> None:
        assert self._file is not None
        line = json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) + "\n"
        data = line.encode("utf-8")
        self._hash.update(data)
        self._size += len(data)
        self._file.write(line)
        self._file.flush()  # watchers tail the file while the session runs

    def close(self) -> Summary:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            return Summary(self._size, self._hash.hexdigest(), self._events, self._last)


@dataclass(frozen=True)
class Cast:
    header: dict[str, Any]
    events: list[tuple[float, str, str]]


def parse_event(line: str, number: int = 0) -> tuple[float, str, str]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RecordError(f"recording line {number}: not JSON ({exc.msg})") from exc
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not isinstance(value[0], int | float)
        or value[1] not in EVENT_CODES
        or not isinstance(value[2], str)
    ):
        raise RecordError(f"recording line {number}: expected [time, code, text]")
    return float(value[0]), str(value[1]), value[2]


def read_cast(path: Path) -> Cast:
    """A recording read back; RecordError names the first line that is not asciicast v2."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise NotFoundError(f"no recording {path.name}") from exc
    if not lines:
        raise RecordError(f"recording {path.name} is empty")
    header = json.loads(lines[0])
    if not isinstance(header, dict) or header.get("version") != VERSION:
        raise RecordError(f"recording {path.name}: header is not asciicast version 2")
    for key in ("width", "height"):
        if not isinstance(header.get(key), int):
            raise RecordError(f"recording {path.name}: header has no integer {key!r}")
    events = [parse_event(line, n) for n, line in enumerate(lines[1:], start=2) if line]
    return Cast(header, events)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
