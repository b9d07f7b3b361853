"""One changer per range at a time: an flock on data_dir/locks/RANGE.lock.

The kernel drops an flock when its process dies, so an `up` killed with
SIGKILL never leaves a stale lock behind. The file keeps the holder's pid and
start time, only to tell the refused process who holds it.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from range.config import Settings
from range.errors import ConfigError, RangeBusyError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")


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
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            pid, _, since = holder.partition(" ")
            raise RangeBusyError(
                f"range {range_name} is being changed by process {pid} since {since or '?'}"
            ) from None
        os.ftruncate(fd, 0)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
