"""Live browser-terminal sessions of this machine, across gunicorn's worker processes.

Each running session holds a small file ``<data dir>/terminals-live/<session>``
naming its user, exercise and worker pid. Counting a user's files (under an
flock, so two tabs opening at once cannot both take the last slot) enforces the
per-user cap in every worker. A file whose worker died (killed, or stopped
with sessions open) names an orphan: its shell still runs in the container,
and :meth:`SessionSlots.claim_orphans` hands it to one caller to end. Watchers
follow a session's recording while its worker holds its file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

LIVE_DIR = "terminals-live"


class SessionSlots:
    def __init__(self, data_dir: Path, per_user: int) -> None:
        self.root = data_dir / LIVE_DIR
        self.per_user = per_user

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _records(self) -> Iterator[tuple[Path, dict[str, object], bool]]:
        """Every slot file: its path, its record, whether its worker still runs."""
        for path in self.root.glob("[0-9a-f]*"):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            yield path, data, _pid_alive(int(data.get("pid", 0)))

    def _live(self) -> dict[str, dict[str, object]]:
        return {path.name: data for path, data, alive in self._records() if alive}

    def claim_orphans(self) -> list[tuple[str, dict[str, object]]]:
        """Sessions whose worker died mid-session (killed, or stopped with them open),
        each handed to one caller only: their shells still run and need ending."""
        with self._locked():
            orphans = [(path, data) for path, data, alive in self._records() if not alive]
            for path, _ in orphans:
                path.unlink(missing_ok=True)
        return [(path.name, data) for path, data in orphans]

    def take(self, session: str, user: str, exercise: str) -> bool:
        """Claim a slot for ``user``; False when the user already runs ``per_user``."""
        with self._locked():
            mine = [s for s in self._live().values() if s.get("user") == user]
            if len(mine) >= self.per_user:
                return False
            record = {"user": user, "exercise": exercise, "pid": os.getpid()}
            (self.root / session).write_text(json.dumps(record), encoding="utf-8")
            return True

    def describe(self, session: str, details: dict[str, object]) -> None:
        """Add where the session runs, so an orphan can be found and ended later."""
        path = self.root / session
        with self._locked():
            record = json.loads(path.read_text(encoding="utf-8"))
            path.write_text(json.dumps({**record, **details}), encoding="utf-8")

    def give_back(self, session: str) -> None:
        (self.root / session).unlink(missing_ok=True)

    def is_live(self, session: str) -> bool:
        path = self.root / session
        if not path.exists():
            return False
        with self._locked():
            return session in self._live()


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
