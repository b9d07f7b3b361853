"""Long-lived exec sessions: one process inside a container, spoken to line by line.

``docker exec`` costs a few hundred milliseconds of engine work each time; a
program that must be asked something every tick in every copy (the checker
agent) keeps one ``docker exec -i`` open instead and exchanges one line of
request and one line of answer per tick.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import time
from collections.abc import Sequence

from range.errors import BackendError

_LINE_LIMIT = 64 * 1024 * 1024


class ProcessSession:
    """A child process answering one line on stdout for each line sent on stdin."""

    def __init__(self, command: Sequence[str]) -> None:
        self._process = subprocess.Popen(  # argument list, no shell
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def request(self, line: str, timeout: float) -> str:
        """Send one line, return the answer line; BackendError or TimeoutError otherwise."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(line.rstrip("\n").encode() + b"\n")
            stdin.flush()
        except (BrokenPipeError, OSError):
            raise BackendError(f"exec session ended: {self._stderr()}") from None
        answer = self._read_line(timeout)
        if answer is None:
            self.close()
            raise TimeoutError(f"no answer within {timeout:g}s")
        if not answer:
            raise BackendError(f"exec session ended: {self._stderr()}")
        return answer.decode("utf-8", "replace")

    def _read_line(self, timeout: float) -> bytes | None:
        stdout = self._process.stdout
        assert stdout is not None
        deadline = time.monotonic() + timeout
        buffer = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while not buffer.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    return bytes(buffer)  # EOF: the process ended
                buffer += chunk
                if len(buffer) > _LINE_LIMIT:
                    raise BackendError("exec session answered more than 64 MiB")
        return bytes(buffer)

    def _stderr(self) -> str:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        stderr = self._process.stderr
        text = ""
        if stderr is not None and not stderr.closed:
            text = stderr.read(4096).decode("utf-8", "replace")
        self.close()
        return text.strip()[-300:] or f"exit code {self._process.returncode}"

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):
                    stream.close()


class DockerSessions:
    """Opens ``docker exec -i`` sessions (the Docker backend's side of the bargain)."""

    def __init__(self, docker: Sequence[str] = ("docker",)) -> None:
        self._docker = list(docker)

    def open_session(self, range_name: str, container: str, argv: Sequence[str]) -> ProcessSession:
        return ProcessSession([*self._docker, "exec", "-i", container, *argv])
