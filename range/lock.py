"""One changer per range at a time: an flock on data_dir/locks/RANGE.lock.

The kernel drops an flock when its process dies, so an `up` killed with
SIGKILL never leaves a stale lock behind. The file keeps the holder's pid and
start time, to tell a refused process who holds it, and to tell `status` which
process it was when a range is left `deploying` under a free lock.

Readers (`status`) take the lock *shared* for a moment to learn that nobody
holds it; a changer that meets such a reader retries for up to a second
before it gives up, so a reader never makes `up` refuse.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from range.config import Settings
from range.errors import ConfigError, RangeBusyError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")
# A reader holds the lock shared for one database read; a real changer holds
# it for minutes. Waiting this long tells the two apart.
_READER_GRACE_S = 1.0


@dataclass(frozen=True)
class Holder:
    """The process a lock file names: the current or the last holder."""

    pid: str
    since: str


def lock_path(settings: Settings, range_name: str) -> Path:
    if not _SAFE_NAME.match(range_name):
        raise ConfigError(f"invalid range name {range_name!r}")
    return settings.data_dir / "locks" / f"{range_name}.lock"


@contextmanager
def range_lock(settings: Settings, range_name: str) -> Iterator[None]:
    """Hold the range's lock for the block; raise RangeBusyError if another process has it."""
    path = lock_path(settings, range_name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create lock file {path}: {exc}") from exc
    try:
        if not _take(fd, fcntl.LOCK_EX, _READER_GRACE_S):
            holder = _holder(fd)
            raise RangeBusyError(
                f"range {range_name} is being changed by process {holder.pid} since {holder.since}"
            )
        os.ftruncate(fd, 0)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


@contextmanager
def abandoned_lock(settings: Settings, range_name: str) -> Iterator[Holder | None]:
    """If no process holds the range's lock, hold it shared and yield its last holder.

    Yields None while a process holds it, or when this data directory never
    locked the range (no file: nothing is known). While the block runs no
    changer can take the lock, so what the caller reads about the range then
    cannot be changed under it.
    """
    path = lock_path(settings, range_name)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield None
        return
    except OSError as exc:
        raise ConfigError(f"cannot read lock file {path}: {exc}") from exc
    try:
        yield _holder(fd) if _take(fd, fcntl.LOCK_SH, 0.0) else None
    finally:
        os.close(fd)


def _take(fd: int, mode: int, patience_s: float) -> bool:
    """Take the flock without blocking; retry for ``patience_s`` seconds."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def _holder(fd: int) -> Holder:
    text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    pid, _, since = text.partition(" ")
    return Holder(pid or "unknown", since or "?")
