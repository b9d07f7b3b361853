"""The bridge between a browser's WebSocket and a terminal session.

Messages from the browser are JSON: ``{"t": "i", "d": "ls\\r"}`` (keystrokes)
and ``{"t": "r", "c": 120, "r": 40}`` (resize). The server sends what the
terminal shows as text frames. Two threads per session: the request's own
thread reads the socket (keystrokes, resizes, the idle clock, which starts
once the shell has shown something) and a pump
thread copies the pty's output to the socket and the recording.

However the session ends (the shell exits, the browser closes the socket or
goes away, the idle timeout, a server error), :func:`bridge` ends the
``docker exec`` client and frees the pty before it returns.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import threading
import time
from pathlib import Path
from typing import Any

from simple_websocket import ConnectionClosed

from range.backends.tty_session import TtySession
from range.errors import BackendError
from records.recordings import CastWriter, parse_event

MAX_MESSAGE = 64 * 1024  # one paste; larger frames are dropped
POLL_SECONDS = 0.5


def _pump(
    tty: TtySession, ws: Any, writer: CastWriter, stop: threading.Event, shown: threading.Event
) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while not stop.is_set():
        chunk = tty.read(POLL_SECONDS)
        if chunk is None:
            continue
        if not chunk:
            break  # the shell ended
        text = decoder.decode(chunk)
        if not text:
            continue  # half a character: wait for the rest
        writer.output(text)
        shown.set()
        try:
            ws.send(text)
        except ConnectionClosed:
            break
    stop.set()


def _handle(message: Any, tty: TtySession, writer: CastWriter) -> bool:
    """Apply one browser message; True when it was a keystroke."""
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        return False
    try:
        data = json.loads(message)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    if data.get("t") == "r" and isinstance(data.get("c"), int) and isinstance(data.get("r"), int):
        writer.resize(*tty.resize(data["c"], data["r"]))
    elif data.get("t") == "i" and isinstance(data.get("d"), str):
        writer.input(data["d"])
        tty.write(data["d"].encode("utf-8"))
        return True
    return False


def bridge(ws: Any, tty: TtySession, writer: CastWriter, idle_seconds: float) -> str:
    """Run the session to its end; returns why it ended (exited, closed, idle, error)."""
    stop, shown = threading.Event(), threading.Event()
    pump = threading.Thread(target=_pump, args=(tty, ws, writer, stop, shown), daemon=True)
    pump.start()
    last_input, reason = time.monotonic(), "exited"
    try:
        while not stop.is_set():
            message = ws.receive(timeout=POLL_SECONDS)
            typed = message is not None and _handle(message, tty, writer)
            if typed or not shown.is_set():  # a slow engine's start is not idleness
                last_input = time.monotonic()
            if time.monotonic() - last_input > idle_seconds:
                reason = "idle"
                _notice(ws, f"idle for {idle_seconds:g} s: session closed")
                break
    except ConnectionClosed:
        reason = "closed"
    except BackendError:
        reason = "error"
    finally:
        stop.set()
        tty.terminate()
        pump.join(timeout=10)
        tty.close()
    return reason


def _notice(ws: Any, text: str) -> None:
    with contextlib.suppress(ConnectionClosed):
        ws.send(f"\r\n\x1b[33m[{text}]\x1b[0m\r\n")


def follow(ws: Any, path: Path, live: Any) -> None:
    """Send a recording's output to a watcher: what was shown so far, then what
    is appended while ``live()`` is true. Read only: the watcher's input is dropped."""
    with path.open(encoding="utf-8") as handle:
        header = json.loads(handle.readline() or "{}")
        ws.send(json.dumps({"width": header.get("width"), "height": header.get("height")}))
        pending = ""
        while True:
            pending += handle.readline()
            if pending.endswith("\n"):
                _, code, data = parse_event(pending)
                pending = ""
                if code == "o":
                    ws.send(data)
                continue
            if not live():
                _notice(ws, "session ended")
                return
            ws.receive(timeout=POLL_SECONDS)  # also notices a watcher that went away
