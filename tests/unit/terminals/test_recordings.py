"""Terminal recordings: asciicast v2 written, read back, hashed and on the audit log."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from range.errors import NotFoundError, RecordError
from records import audit
from records.recordings import CastWriter, file_sha256, read_cast, recording_path
from records.terminal_sessions import Target, close_session, open_session, sessions


def test_writer_writes_asciicast_v2_that_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "s.cast"
    writer = CastWriter(path, 100, 30, title="blue1 on web")
    writer.output("root@web:~# ")
    writer.input("id\r")
    writer.output("uid=0(root) gid=0(root)\r\n")
    writer.resize(120, 40)
    summary = writer.close()
    writer.output("late output after the end")  # not evidence: dropped
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and (header["width"], header["height"]) == (100, 30)
    assert isinstance(header["timestamp"], int) and header["title"] == "blue1 on web"
    cast = read_cast(path)
    assert [(code, data) for _, code, data in cast.events] == [
        ("o", "root@web:~# "),
        ("i", "id\r"),
        ("o", "uid=0(root) gid=0(root)\r\n"),
        ("r", "120x40"),
    ]
    times = [t for t, _, _ in cast.events]
    assert times == sorted(times) and all(t >= 0 for t in times)
    assert summary.size == path.stat().st_size and summary.sha256 == file_sha256(path)
    assert summary.events == 4


def test_two_threads_never_interleave_lines(tmp_path: Path) -> None:
    writer = CastWriter(tmp_path / "t.cast", 80, 24)

    def write(code: str) -> None:
        for n in range(500):
            (writer.output if code == "o" else writer.input)(f"{code}{n}\u00e9" * 20)

    threads = [threading.Thread(target=write, args=(c,)) for c in "oi"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert len(read_cast(tmp_path / "t.cast").events) == 1000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ('{"version": 1, "width": 80, "height": 24}\n', "version 2"),
        ('{"version": 2, "width": 80}\n', "height"),
        ('{"version": 2, "width": 80, "height": 24}\n[0.1, "o"]\n', "line 2"),
        ('{"version": 2, "width": 80, "height": 24}\n[0.1, "x", "a"]\n', "line 2"),
        ('{"version": 2, "width": 80, "height": 24}\n[0.1, "o", "a"]\nnot json\n', "line 3"),
    ],
)
def test_reader_names_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.cast"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RecordError, match=message):
        read_cast(path)


def test_session_ids_cannot_leave_the_recordings_folder(tmp_path: Path) -> None:
    assert recording_path(tmp_path, "drill", "0123456789abcdef").parent == (
        tmp_path / "recordings" / "drill"
    )
    for bad in ("../../etc/passwd", "0123456789ABCDEF", "abc", "0123456789abcdef0"):
        with pytest.raises(NotFoundError):
            recording_path(tmp_path, "drill", bad)


def test_sessions_are_on_the_audit_chain_with_size_and_hash(engine: Engine, tmp_path: Path) -> None:
    target = Target("drill", "blue1", "blue-1", "web", 1, "drill-c1-web")
    session, writer = open_session(engine, tmp_path, target, (80, 24))
    running = sessions(engine, "drill")
    assert [(s.session, s.live) for s in running] == [(session, True)]
    writer.output("hello\r\n")
    summary = close_session(engine, target, session, writer, "closed")
    [done] = sessions(engine, "drill")
    assert not done.live and done.reason == "closed" and (done.user, done.host) == ("blue1", "web")
    path = recording_path(tmp_path, "drill", session)
    assert done.sha256 == summary.sha256 == file_sha256(path) and done.size == path.stat().st_size
    actions = [(e.action, e.actor) for e in audit.entries(engine, "drill")]
    assert actions == [("terminal.start", "blue1"), ("terminal.end", "blue1")]
    assert audit.verify(engine, "drill").ok


def test_the_asciinema_player_reads_a_recording(tmp_path: Path) -> None:
    """The format's own client (asciinema, from PyPI) replays what the writer wrote."""
    path = tmp_path / "session.cast"
    writer = CastWriter(path, 80, 24, "web (copy 1)")
    writer.output("root@web:~# ")
    writer.input("id\r")
    writer.resize(120, 40)
    writer.output("uid=0(root) gid=0(root)\r\n")
    writer.close()
    shown = subprocess.run(
        [sys.executable, "-m", "asciinema", "cat", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.replace("\r", "") == "root@web:~# uid=0(root) gid=0(root)\n"
