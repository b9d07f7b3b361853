"""Interactive terminal sessions: a backend's shell command run on a pseudo-terminal.

A backend's ``shell_argv`` (``docker exec -it CONTAINER bash -l``, on the
container's node for Swarm) needs a terminal on its standard input; this
module gives it one with ``os.openpty`` and speaks to the master side.

The child gets its own session (``start_new_session``) but no controlling
terminal: subprocess cannot set one without ``preexec_fn``, which is unsafe in
the web server's threads. So a resize sets the size on the pty
(TIOCSWINSZ) and then sends SIGWINCH to the child itself; ``docker`` answers
SIGWINCH by reading the pty's new size and resizing the exec's terminal.

Ending the ``docker exec`` client does not end the shell in the container:
the engine keeps an exec's processes running after its client went away. So
a terminal's shell is started with a marker in its environment
(``CYBERRANGE_TERMINAL=<session>``, inherited by everything it starts) and
:func:`reap_marked` ends every process of the container that carries it
(SIGHUP, then SIGKILL), through the backend's plain ``exec``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import tty
from collections.abc import Sequence

from range.backends.base import Backend
from range.errors import BackendError

MIN_SIZE, MAX_COLS, MAX_ROWS = 2, 500, 200
MARKER = "CYBERRANGE_TERMINAL"

# Fixed program; the marker comes in as $1, never as program text. Ends every
# process whose environment holds the marker: SIGHUP first, as a closed
# terminal would, SIGKILL for what is left a second later. Prints the pids.
_REAP = r"""
want="CYBERRANGE_TERMINAL=$1"
found() {
  for f in /proc/[0-9]*/environ; do
    if tr '\0' '\n' < "$f" 2>/dev/null | grep -qxF "$want"; then
      p=${f#/proc/}; echo "${p%/environ}"
    fi
  done
}
pids=$(found)
[ -z "$pids" ] && exit 0
echo $pids
kill -HUP $pids 2>/dev/null
sleep 1
pids=$(found)
[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
exit 0
"""
READ_CHUNK = 65536


def clamp_size(cols: int, rows: int) -> tuple[int, int]:
    return max(MIN_SIZE, min(MAX_COLS, cols)), max(MIN_SIZE, min(MAX_ROWS, rows))


class TtySession:
    """One process on a fresh pseudo-terminal; bytes in, bytes out, resizable."""

    def __init__(self, argv: Sequence[str], cols: int = 80, rows: int = 24) -> None:
        self.cols, self.rows = clamp_size(cols, rows)
        master, slave = os.openpty()
        _set_size(slave, self.cols, self.rows)
        # Raw from the start: docker sets raw mode itself once it runs, and a
        # keystroke typed before that must not be echoed by the pty (the
        # shell echoes what it reads; a local echo would show it twice).
        tty.setraw(slave)
        try:
            self._process = subprocess.Popen(  # argument list, no shell
                list(argv),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                start_new_session=True,
                close_fds=True,
                env={**os.environ, "TERM": "xterm-256color"},
            )
        except OSError as exc:
            os.close(master)
            raise BackendError(f"cannot start {argv[0]!r}: {exc}") from exc
        finally:
            os.close(slave)  # the child holds its copy; EOF on master when it exits
        self._master = master

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return self._process.poll()

    def read(self, timeout: float) -> bytes | None:
        """Output shown by the terminal; None when nothing came within ``timeout``,
        b"" when the process ended (the pty answers EIO once every writer is gone)."""
        if self._master < 0:
            return b""
        ready, _, _ = select.select([self._master], [], [], timeout)
        if not ready:
            return None
        try:
            return os.read(self._master, READ_CHUNK)
        except OSError:
            return b""

    def write(self, data: bytes) -> None:
        """Keystrokes (and pasted text) into the terminal."""
        view = memoryview(data)
        while view and self._master >= 0:
            try:
                written = os.write(self._master, view)
            except OSError as exc:
                raise BackendError(f"terminal closed: {exc}") from exc
            view = view[written:]

    def resize(self, cols: int, rows: int) -> tuple[int, int]:
        """Set the terminal's size and tell the child; returns the size kept."""
        self.cols, self.rows = clamp_size(cols, rows)
        if self._master >= 0 and self.alive:
            _set_size(self._master, self.cols, self.rows)
            with contextlib.suppress(ProcessLookupError):
                self._process.send_signal(signal.SIGWINCH)
        return self.cols, self.rows

    def terminate(self, grace: float = 3.0) -> None:
        """End the child: SIGHUP, as a closed terminal would, then SIGKILL after ``grace``.
        A reader blocked in :meth:`read` then gets b"" (the pty's EIO)."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self._process.send_signal(signal.SIGHUP)
            try:
                self._process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process.wait()

    def close(self) -> None:
        """Terminate the child and free the pty. Call it once no thread reads any more:
        a closed descriptor number may be reused by the next open file."""
        self.terminate()
        if self._master >= 0:
            os.close(self._master)
            self._master = -1


def _set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def reap_marked(backend: Backend, range_name: str, container: str, session: str) -> list[int]:
    """End every process in ``container`` started by terminal ``session``; their pids."""
    result = backend.exec(range_name, container, ["sh", "-c", _REAP, "reap", session], timeout=30)
    if result.exit_code != 0:
        raise BackendError(f"cannot end terminal {session} in {container}: {result.stderr[-300:]}")
    return [int(word) for word in result.stdout.split() if word.isdigit()]
