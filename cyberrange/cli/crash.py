"""What the CLI does with an error nobody expected (a bug): the traceback goes to
a log file, the terminal gets one line naming it. ``--debug`` shows it instead."""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

EXIT_BUG = 70  # sysexits.h EX_SOFTWARE: an internal software error

LOG_NAME = "cli-errors.log"


def record(exc: BaseException, logs_dir: Path | None) -> Path:
    """Append the traceback of ``exc`` to the CLI's error log; the log's path.
    Falls back to the temporary directory when the data directory is unusable."""
    text = "".join(traceback.format_exception(exc))
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    entry = f"--- {stamp} pid {os.getpid()}\n{text}\n"
    for directory in (logs_dir, Path(tempfile.gettempdir())):
        if directory is None:
            continue
        path = directory / LOG_NAME
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(entry)
        except OSError:
            continue
        return path
    return Path(LOG_NAME)


def summary(exc: BaseException, path: Path) -> str:
    """The one line a person sees."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return (f"error: unexpected {what} — this is a bug in cyberrange; "
            f"the traceback is in {path}\n")
