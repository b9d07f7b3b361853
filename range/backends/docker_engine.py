"""Talking to the Docker engine: the python-on-whales client, raw CLI calls, error mapping.

python-on-whales drives the `docker` CLI; where it lacks a switch (``--internal``
networks) or a timeout (exec), we run the same CLI, with the same client
configuration, from an argument list.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from typing import Any

from python_on_whales import DockerClient
from python_on_whales.exceptions import DockerException

from range.errors import BackendError, ConflictError, EngineUnavailableError, ImageMissingError
from range.plan import LABEL_RANGE

ENGINE_HINT = "Docker engine unreachable: start it with `dockerd &` or `systemctl start docker`"
_UNREACHABLE = ("Cannot connect to the Docker daemon", "error during connect", "connection refused")
_CONFLICT = ("Pool overlaps", "already in use", "Conflict.", "already exists", "Address in use")
_MISSING_IMAGE = ("No such image", "Unable to find image", "pull access denied")
_GONE = ("No such container", "No such network", "No such volume", "not found")


def image_build_hint(image: str) -> str:
    short = image.split("/")[-1].split(":")[0]
    return f"image {image} is missing: build it with `cyberrange images build {short}`"


def translate(stderr: str, what: str) -> BackendError:
    """Turn the CLI's error text into the exception callers can act on."""
    text = stderr.strip()
    if any(marker in text for marker in _UNREACHABLE):
        return EngineUnavailableError(f"{ENGINE_HINT} ({text[:200]})")
    if any(marker in text for marker in _MISSING_IMAGE):
        return ImageMissingError(f"{what}: {text}")
    if any(marker in text for marker in _CONFLICT):
        return ConflictError(f"{what}: {text}")
    return BackendError(f"{what}: {text}")


def is_gone(error: BaseException) -> bool:
    return any(marker in str(error) for marker in _GONE)


class DockerEngine:
    """One Docker engine, reached through python-on-whales and its CLI configuration."""

    def __init__(self, client: DockerClient | None = None) -> None:
        self.client = client or DockerClient()

    def run(
        self,
        args: Sequence[str],
        what: str,
        *,
        stdin: str | None = None,
        timeout: float | None = None,
    ) -> str:
        """Run `docker ARGS`; raise the translated error on failure."""
        result = self.raw(args, stdin=stdin, timeout=timeout)
        if result.returncode != 0:
            raise translate(result.stderr, what)
        return result.stdout

    def raw(
        self, args: Sequence[str], *, stdin: str | None = None, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        command = self.argv(args)
        try:
            return subprocess.run(
                command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
            )
        except FileNotFoundError:
            raise EngineUnavailableError(f"{ENGINE_HINT} (docker CLI not installed)") from None

    def argv(self, args: Sequence[str]) -> list[str]:
        """The full command line of `docker ARGS` under this client's configuration."""
        return [str(part) for part in self.client.client_config.docker_cmd] + list(args)

    def global_args(self) -> list[str]:
        """The options after `docker` that pick this engine (e.g. --host URL); [] by default."""
        return self.argv([])[1:]

    def call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a python-on-whales function, translating its exceptions."""
        try:
            return function(*args, **kwargs)
        except DockerException as exc:
            raise translate(str(exc.stderr or exc), what) from None

    def check(self) -> None:
        try:
            result = self.raw(["version", "--format", "{{.Server.Version}}"], timeout=30)
        except subprocess.TimeoutExpired:
            raise EngineUnavailableError(f"{ENGINE_HINT} (no answer in 30s)") from None
        if result.returncode != 0:
            raise EngineUnavailableError(f"{ENGINE_HINT} ({result.stderr.strip()[:200]})")

    def inspect(self, kind: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """`docker KIND inspect` of many objects in one call; vanished ones are left out."""
        if not ids:
            return []
        result = self.raw([kind, "inspect", *ids])
        if result.returncode != 0 and not result.stdout.strip().startswith("["):
            if is_gone(BackendError(result.stderr)):
                return []
            raise translate(result.stderr, f"inspecting {kind}s")
        found: list[dict[str, Any]] = json.loads(result.stdout or "[]")
        return found

    def list_ids(self, kind: str, label: str | None = None) -> list[str]:
        args = [kind, "ls", "-q"]
        if kind == "container":
            args.append("-a")
        if kind in ("container", "network"):
            args.append("--no-trunc")
        if label is not None:
            args += ["--filter", f"label={label}"]
        return self.run(args, f"listing {kind}s").split()

    def labeled(self, kind: str, range_name: str) -> list[dict[str, Any]]:
        """Every object of a kind carrying this range's label, inspected."""
        ids = self.list_ids(kind, f"{LABEL_RANGE}={range_name}")
        if kind == "volume":
            return [{"Name": name} for name in ids]
        return self.inspect(kind, ids)

    def container_names(self) -> dict[str, str]:
        """Name → full id of every container on the engine (one call, no inspect)."""
        out = self.run(["ps", "-a", "--no-trunc", "--format", "{{.Names}} {{.ID}}"], "listing")
        pairs = (line.split() for line in out.splitlines() if line.strip())
        return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}

    def image_ids(self, images: Sequence[str]) -> set[str]:
        """Which of the images exist locally (one call when all do)."""
        if not images:
            return set()
        result = self.raw(["image", "inspect", "--format", "{{.Id}}", *images])
        if result.returncode == 0:
            return set(images)
        present = set()
        for image in images:
            result = self.raw(["image", "inspect", "--format", "{{.Id}}", image])
            if result.returncode == 0:
                present.add(image)
            elif not any(m in result.stderr for m in _MISSING_IMAGE):
                raise translate(result.stderr, f"inspecting image {image}")
        return present

    def labeled_names(self, kind: str, range_name: str) -> list[str]:
        """Names of a kind's objects carrying the range label (one call, no inspect)."""
        label = f"label={LABEL_RANGE}={range_name}"
        field = "{{.Names}}" if kind == "container" else "{{.Name}}"
        args = [kind, "ls", "--filter", label, "--format", field]
        if kind == "container":
            args.insert(2, "-a")
        return self.run(args, f"listing {kind}s").split()
