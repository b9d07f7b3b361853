"""Helpers of the image tests: containers named imgtest-*, unprivileged and limited."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence

LABEL = "cyberrange.range=imgtest"
# The range images these tests cover (docker/ may hold others, e.g. test-only ones).
RANGE_IMAGES = ("base", "router", "checker", "attacker", "target", "web", "db", "fileserver")
LIMITS = ["--memory", "256m", "--pids-limit", "256"]


def docker(*args: str, check: bool = True, timeout: float = 120,
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["docker", *args], capture_output=True, text=True,
                            timeout=timeout, input=stdin)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def remove_test_containers() -> None:
    ids = docker("ps", "-aq", "--filter", f"label={LABEL}").stdout.split()
    if ids:
        docker("rm", "-f", *ids)


# Generous: a loaded machine takes long to start python and make SSH host keys.
def wait_for(probe: Callable[[], bool], timeout: float = 120, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Container:
    """A detached test container from one image: unprivileged, limited, no network."""

    def __init__(self, image: str) -> None:
        self.name = f"imgtest-{image.split('/')[-1]}-{uuid.uuid4().hex[:6]}"
        docker("run", "-d", "--name", self.name, "--label", LABEL, "--network", "none",
               *LIMITS, image)

    def exec(self, *argv: str, user: str | None = None, stdin: str | None = None,
             check: bool = False, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        opts = ["-i"] if stdin is not None else []
        if user:
            opts += ["--user", user]
        return docker("exec", *opts, self.name, *argv, check=check, timeout=timeout,
                      stdin=stdin)

    def python(self, code: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a python3 program inside (the program text goes through stdin)."""
        return self.exec("python3", "-", *args, stdin=code)

    def port_open(self, port: int) -> bool:
        return self.python(PORT_PROBE, str(port)).returncode == 0

    def banner(self, port: int) -> str:
        result = self.python(PORT_PROBE, str(port))
        assert result.returncode == 0, result.stderr
        return result.stdout

    def logs(self, service: str) -> str:
        return self.exec("cat", f"/var/log/cr/{service}.log").stdout

    def remove(self) -> None:
        docker("rm", "-f", self.name, check=False)


PORT_PROBE = """
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.settimeout(3)
try:
    print(s.recv(200).decode(errors="replace"), end="")
except socket.timeout:
    pass
"""




def run_once(image: str, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """`docker run --rm` of one command (no init), unprivileged and limited."""
    return docker("run", "--rm", "--label", LABEL, "--network", "none", *LIMITS,
                  "--entrypoint", argv[0], image, *argv[1:], check=False)


def inspect_labels(image: str) -> dict[str, str]:
    data = json.loads(docker("image", "inspect", image).stdout)[0]
    return dict(data["Config"]["Labels"] or {})
