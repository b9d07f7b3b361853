"""The few docker CLI calls image building needs, as argument lists.

python-on-whales is reserved for range/backends; building only needs `docker
build`, `docker image inspect` and `docker import`, and streaming their output
line by line is simplest straight from the CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from range.errors import BackendError, EngineUnavailableError

TAIL_LINES = 25

LineCallback = Callable[[str], None]


class ImageBuildError(BackendError):
    """An image build (or the base root creation) failed; carries its last output lines."""

    def __init__(self, image: str, message: str, output: Sequence[str] = ()) -> None:
        self.image = image
        self.output = list(output)
        tail = "\n".join(f"  | {line}" for line in self.output)
        super().__init__(f"{message}\n{tail}" if tail else message)


@dataclass(frozen=True)
class ImageInfo:
    tag: str
    image_id: str
    size: int  # bytes
    labels: dict[str, str]


def _docker(args: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise EngineUnavailableError(
            "docker CLI not found: install Docker (scripts/ensure-system does it)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise EngineUnavailableError(f"docker {args[0]} did not answer in {timeout:.0f} s") from exc


def _unreachable(stderr: str) -> bool:
    return any(
        text in stderr
        for text in ("Cannot connect to the Docker daemon", "Is the docker daemon running")
    )


def inspect_image(tag: str) -> ImageInfo | None:
    """The image's id, size and labels, or None when it is not built."""
    result = _docker(["image", "inspect", "--format", "{{json .}}", tag])
    if result.returncode != 0:
        if _unreachable(result.stderr):
            raise EngineUnavailableError(f"Docker engine unreachable: {result.stderr.strip()}")
        if "No such image" in result.stderr or "No such object" in result.stderr:
            return None
        raise BackendError(f"docker image inspect {tag} failed: {result.stderr.strip()}")
    data: dict[str, Any] = json.loads(result.stdout)
    labels = (data.get("Config") or {}).get("Labels") or {}
    return ImageInfo(tag, str(data.get("Id", "")), int(data.get("Size", 0)), dict(labels))


def stream(
    argv: Sequence[str],
    on_line: LineCallback,
    *,
    stdin: Any = None,
    env: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Run argv, hand every output line to on_line; return (exit code, last lines)."""
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            env=env,
        )
    except FileNotFoundError as exc:
        raise EngineUnavailableError(f"{argv[0]} not found") from exc
    assert proc.stdout is not None
    with proc:
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            if line.strip():
                tail.append(line)
                on_line(line)
    return proc.returncode, list(tail)


def build_image(tag: str, context: Path, labels: dict[str, str], on_line: LineCallback) -> None:
    """`docker build --network host` of one context; raises ImageBuildError with the tail."""
    argv = ["docker", "build", "--network", "host", "--tag", tag]
    for key, value in sorted(labels.items()):
        argv += ["--label", f"{key}={value}"]
    argv.append(str(context))
    # The classic builder prints "Step n/m : ..." lines the progress display shows;
    # BuildKit would also need an entitlement for --network host.
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    code, tail = stream(argv, on_line, env=env)
    if code != 0:
        if any(_unreachable(line) for line in tail):
            raise EngineUnavailableError("Docker engine unreachable: " + tail[-1])
        raise ImageBuildError(tag, f"building {tag} failed (docker build exit {code})", tail)


def import_rootfs(rootfs: Path, tag: str, on_line: LineCallback) -> None:
    """tar the directory into `docker import - tag` (a pipe, no shell)."""
    tar = subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        code, tail = stream(["docker", "import", "-", tag], on_line, stdin=tar.stdout)
    finally:
        if tar.stdout is not None:
            tar.stdout.close()
        tar_err = tar.stderr.read().decode(errors="replace").strip() if tar.stderr else ""
        tar.wait()
    if tar.returncode != 0:
        raise ImageBuildError(tag, f"tar of {rootfs} failed (exit {tar.returncode})", [tar_err])
    if code != 0:
        raise ImageBuildError(tag, f"docker import of {tag} failed (exit {code})", tail)
