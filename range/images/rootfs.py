"""The Debian root every image starts from: debootstrap minbase + docker import.

No registry is reachable on a range host, so the base image's root is made
locally from Debian packages (the only thing that is reachable).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from range.images.docker_cli import ImageBuildError, LineCallback, import_rootfs, stream

SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEBOOTSTRAP_PATHS = ("/usr/sbin/debootstrap", "/usr/bin/debootstrap")
SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))

# A Debian archive URI in one-line ("deb URI suite") or deb822 ("URIs: URI") form.
_URI = re.compile(r"^\s*(?:deb(?:\s+\[[^\]]*\])?|URIs:)\s+(https?://\S+)", re.MULTILINE)


def _source_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".list", ".sources"))
        elif path.is_file():
            files.append(path)
    return files


def find_mirror(paths: Iterable[Path] = SOURCES) -> str:
    """The Debian mirror this machine's apt uses (not the security archive)."""
    for file in _source_files(paths):
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        uri: str
        for uri in _URI.findall(text):
            if uri.rstrip("/").endswith("/debian"):
                return uri.rstrip("/")
    return DEFAULT_MIRROR


def find_debootstrap() -> str:
    found = shutil.which("debootstrap")
    if found:
        return found
    for path in DEBOOTSTRAP_PATHS:
        if os.access(path, os.X_OK):
            return path
    raise ImageBuildError(
        "base-rootfs",
        "debootstrap is not installed: run scripts/ensure-system (or apt-get install debootstrap)",
    )


def create_rootfs(tag: str, on_line: LineCallback, mirror: str | None = None) -> None:
    """debootstrap --variant=minbase into a temporary directory, import it as tag."""
    if os.geteuid() != 0:
        raise ImageBuildError(
            tag,
            f"creating the Debian base root ({tag}) needs root (debootstrap): "
            "run `sudo cyberrange images build base` once",
        )
    debootstrap = find_debootstrap()
    mirror = mirror or find_mirror()
    workdir = Path(tempfile.mkdtemp(prefix="cyberrange-rootfs-", dir="/var/tmp"))
    try:
        root = workdir / "root"
        argv = [debootstrap, "--variant=minbase", SUITE, str(root), mirror]
        code, tail = stream(argv, on_line)
        if code != 0:
            raise ImageBuildError(
                tag, f"debootstrap {SUITE} from {mirror} failed (exit {code})", tail
            )
        on_line(f"importing {root} as {tag}")
        import_rootfs(root, tag, on_line)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
