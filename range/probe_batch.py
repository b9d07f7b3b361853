"""One exec per source container: the batch probe program, its argv and its answers.

`verify` used to run one ``docker exec`` per probe; each costs a docker CLI,
a runc exec and a Python start, and a denied probe holds its slot for the
whole timeout. Here every probe of one source container goes into one fixed
program (``BATCH_CODE``, run with ``python3 -c``) whose targets travel as argv
items, never as code::

    python3 -c BATCH_CODE TIMEOUT WIDTH ADDRESS PORT PROTO [ADDRESS PORT PROTO ...]

It probes at most WIDTH targets at once with non-blocking sockets on one
selector (one thread: a container's pids limit is never at stake), each with
its own TIMEOUT counted from its own connect, and prints ``INDEX ANSWER`` per
probe as soon as it is known (flushed, so an exec cut short still gives the
answers it had).

The answers are those of the single probe (``range.verify.PROBE_CODE``), by
the same errno: a blocking connect with a timeout is, inside CPython, this
very non-blocking connect, a poll and ``SO_ERROR``. ECONNREFUSED is
``closed``, no answer before the deadline (or ETIMEDOUT) is ``filtered``, any
other error is ``unreachable``; UDP sends one datagram and waits for a reply
(``open``) or an ICMP port-unreachable (``closed``).

Pure: building argv and parsing output do no I/O, so both are unit-tested.
"""

from __future__ import annotations

from collections.abc import Sequence

from range.errors import CyberrangeError
from range.reach import Probe

WIDTH = 64  # connects in flight at once inside one container

BATCH_CODE = """
import errno, selectors, socket, sys, time
timeout, width, rest = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
todo = [(i, rest[3 * i], int(rest[3 * i + 1]), rest[3 * i + 2]) for i in range(len(rest) // 3)]
todo.reverse()
sel = selectors.DefaultSelector()
live = {}

def word(code):
    if code == errno.ECONNREFUSED:
        return "closed"
    return "filtered" if code == errno.ETIMEDOUT else "unreachable"

def finish(s, answer):
    index = live.pop(s)[0]
    sel.unregister(s)
    s.close()
    print(index, answer, flush=True)

def start(index, host, port, proto):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.setblocking(False)
    live[s] = (index, proto, time.monotonic() + timeout)
    sel.register(s, selectors.EVENT_WRITE if proto == "tcp" else selectors.EVENT_READ)
    try:
        if proto == "tcp":
            code = s.connect_ex((host, port))
            if code not in (0, errno.EINPROGRESS):
                finish(s, word(code))
        else:
            s.connect((host, port))
            s.send(b"cyberrange-probe\\n")
    except OSError as exc:
        finish(s, word(exc.errno))

def ready(s):
    if live[s][1] == "tcp":
        code = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        finish(s, "open" if code == 0 else word(code))
        return
    try:
        s.recv(1)
        finish(s, "open")
    except OSError as exc:
        finish(s, word(exc.errno))

while todo or live:
    while todo and len(live) < width:
        start(*todo.pop())
    if not live:
        continue
    wait = max(0.0, min(d for _, _, d in live.values()) - time.monotonic())
    for key, _ in sel.select(wait):
        ready(key.fileobj)
    now = time.monotonic()
    for s in [s for s, (_, _, d) in live.items() if d <= now]:
        finish(s, "filtered")
"""


def batch_argv(probes: Sequence[Probe], timeout: float, width: int = WIDTH) -> list[str]:
    """The exec argv probing ``probes`` (all from one source container) at once."""
    if width < 1:
        raise CyberrangeError(f"batch width must be at least 1, not {width}")
    sources = {p.source for p in probes}
    if len(sources) > 1:
        raise CyberrangeError(
            f"one batch runs in one container, not {len(sources)}: {sorted(sources)}"
        )
    argv = ["python3", "-c", BATCH_CODE, str(timeout), str(width)]
    for probe in probes:
        argv += [probe.address, str(probe.port), probe.protocol]
    return argv


def batch_rounds(count: int, width: int = WIDTH) -> int:
    """How many timeouts the batch may take at worst: one per ``width`` probes."""
    return max(1, -(-count // width))


def parse_answers(stdout: str, count: int) -> list[str | None]:
    """``INDEX ANSWER`` lines to answers by probe index; None where none came.

    Lines that are not an in-range index and one word are ignored (they
    cannot be a probe's answer); a repeated index keeps its first answer.
    """
    answers: list[str | None] = [None] * count
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) != 2 or not parts[0].isdigit():
            continue
        index = int(parts[0])
        if index < count and answers[index] is None:
            answers[index] = parts[1]
    return answers
