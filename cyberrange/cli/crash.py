"""What the CLI does with an error nobody expected (a bug): the traceback goes to
a log file, the terminal gets one line naming it. ``--debug`` shows it instead."""

from __future__ import annotations

import logging
import os
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

EXIT_BUG = 70  # sysexits.h EX_SOFTWARE: an internal software error

LOG_NAME = "cli-errors.log"


class _LogFile(logging.FileHandler):
    """The CLI's error log as a logging handler: library warnings and logged
    exceptions (an export format that failed) land there, not on the terminal."""

    def __init__(self, logs_dir: Path) -> None:
        super().__init__(logs_dir / LOG_NAME, delay=True, encoding="utf-8")
        self.setFormatter(logging.Formatter("--- %(asctime)s %(name)s %(levelname)s\n%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            return
        super().emit(record)


def log_to_file(logs_dir: Path) -> None:
    """Send WARNING and above of every logger to the CLI's error log (once per process:
    a second call moves it)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _LogFile)]:
        root.removeHandler(handler)
        handler.close()
    root.addHandler(_LogFile(logs_dir))


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
