"""Browser-terminal sessions as the audit log sees them: opened, closed, recorded.

Two use cases, each one audit append (one transaction; no other fact is
written): :func:`open_session` before the shell starts, so a session that
crashes mid-way is still on record, and :func:`close_session` with the
recording's size and SHA-256. :func:`sessions` reads them back from the chain,
so the list of recordings is exactly what the audit log vouches for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from range.errors import NotFoundError
from records import audit
from records.recordings import (
    CastWriter,
    Summary,
    file_sha256,
    new_session_id,
    recording_path,
)

START, END = "terminal.start", "terminal.end"


@dataclass(frozen=True)
class Target:
    """Who opens a terminal where."""

    exercise: str
    user: str
    team: str  # team instance, or the staff role ("white", "admin")
    host: str
    copy: int
    container: str


@dataclass(frozen=True)
class SessionInfo:
    session: str
    user: str
    team: str
    host: str
    copy: int
    started: str
    ended: str = ""  # empty while the session runs (or when the server died mid-session)
    size: int = 0
    sha256: str = ""
    reason: str = ""

    @property
    def live(self) -> bool:
        return not self.ended


def open_session(
    engine: Engine,
    data_dir: Path,
    target: Target,
    size: tuple[int, int],
    *,
    session: str | None = None,
    via: str = "web",
) -> tuple[str, CastWriter]:
    """Record that ``target.user`` opens a terminal; returns the session id and its writer."""
    session = session or new_session_id()
    cols, rows = size
    path = recording_path(data_dir, target.exercise, session)
    title = f"{target.user} on {target.host} (copy {target.copy})"
    writer = CastWriter(path, cols, rows, title)
    audit.append(
        engine,
        target.exercise,
        target.user,
        START,
        {
            "session": session,
            "user": target.user,
            "team": target.team,
            "host": target.host,
            "copy": target.copy,
            "container": target.container,
            "width": cols,
            "height": rows,
            "recording": f"{path.parent.name}/{path.name}",
            "via": via,
        },
    )
    return session, writer


def close_session(
    engine: Engine, target: Target, session: str, writer: CastWriter, reason: str, via: str = "web"
) -> Summary:
    """Close the recording and append its size and hash to the audit log."""
    summary = writer.close()
    audit.append(
        engine,
        target.exercise,
        target.user,
        END,
        {
            "session": session,
            "user": target.user,
            "host": target.host,
            "copy": target.copy,
            "size": summary.size,
            "sha256": summary.sha256,
            "events": summary.events,
            "duration": summary.duration,
            "reason": reason,
            "via": via,
        },
    )
    return summary


def close_orphan(
    engine: Engine, data_dir: Path, target: Target, session: str, reason: str, via: str = "web"
) -> bool:
    """The end entry of a session whose server went away mid-session, with the
    recording as it was left; False when the session was already closed."""
    if not session_info(engine, target.exercise, session).live:
        return False
    path = recording_path(data_dir, target.exercise, session)
    size, digest = (path.stat().st_size, file_sha256(path)) if path.exists() else (0, "")
    details = {
        "session": session,
        "user": target.user,
        "host": target.host,
        "copy": target.copy,
        "size": size,
        "sha256": digest,
        "reason": reason,
        "via": via,
    }
    audit.append(engine, target.exercise, target.user, END, details)
    return True


def sessions(engine: Engine, exercise: str) -> list[SessionInfo]:
    """Every terminal session of the exercise, newest first."""
    started: dict[str, tuple[str, dict[str, Any]]] = {}
    ended: dict[str, tuple[str, dict[str, Any]]] = {}
    for entry in audit.entries(engine, exercise):
        if entry.action in (START, END):
            into = started if entry.action == START else ended
            into[str(entry.details.get("session"))] = (entry.at, entry.details)
    found = []
    for session, (at, details) in started.items():
        end_at, end = ended.get(session, ("", {}))
        found.append(
            SessionInfo(
                session=session,
                user=str(details["user"]),
                team=str(details.get("team", "")),
                host=str(details["host"]),
                copy=int(details["copy"]),
                started=at,
                ended=end_at,
                size=int(end.get("size", 0)),
                sha256=str(end.get("sha256", "")),
                reason=str(end.get("reason", "")),
            )
        )
    return sorted(found, key=lambda s: s.started, reverse=True)


def session_info(engine: Engine, exercise: str, session: str) -> SessionInfo:
    for info in sessions(engine, exercise):
        if info.session == session:
            return info
    raise NotFoundError(f"no terminal session {session!r} in {exercise!r}")
