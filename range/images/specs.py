"""Range image definitions: found in docker/*/Dockerfile, ordered, content-hashed.

Pure file work, no engine: an image's identity is the hash of its build
context (paths, bytes and executable bits) combined with its parent's hash, so
a change anywhere below an image rebuilds it and everything built FROM it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from range.errors import BackendError, NotFoundError

PREFIX = "cyberrange/"
ROOTFS_TAG = "cyberrange/base-rootfs:bookworm"
HASH_LABEL = "cyberrange.content-hash"
# Editor and test leftovers that must not make an image look changed.
IGNORED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache"})
IGNORED_SUFFIXES = (".pyc", ".swp", "~")

_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", re.IGNORECASE | re.MULTILINE)


class ImageDefinitionError(BackendError):
    """docker/ holds an image definition that cannot be built (cycle, bad FROM)."""


@dataclass(frozen=True)
class ImageSpec:
    """One image defined by docker/<name>/Dockerfile."""

    name: str  # short name: "web"
    context: Path  # docker/web
    parents: tuple[str, ...]  # short names of our images it is built FROM
    needs_rootfs: bool  # FROM the debootstrap root (only the base image)

    @property
    def tag(self) -> str:
        return f"{PREFIX}{self.name}"


def short_name(image: str) -> str:
    """'cyberrange/web:latest' -> 'web'; 'web' -> 'web'."""
    return image.removeprefix(PREFIX).split(":", 1)[0]


def _parse_from(name: str, dockerfile: Path) -> tuple[tuple[str, ...], bool]:
    refs = _FROM.findall(dockerfile.read_text(encoding="utf-8"))
    if not refs:
        raise ImageDefinitionError(f"{dockerfile}: no FROM line")
    parents: list[str] = []
    needs_rootfs = False
    for ref in refs:
        if ref == ROOTFS_TAG:
            needs_rootfs = True
        elif ref.startswith(PREFIX):
            parent = short_name(ref)
            if parent == name:
                raise ImageDefinitionError(f"{dockerfile}: image is built FROM itself")
            if parent not in parents:
                parents.append(parent)
        elif ref != "scratch":
            # Nothing can be pulled on a range host: every base must be ours.
            raise ImageDefinitionError(
                f"{dockerfile}: FROM {ref} is not a cyberrange image (no registry to pull from)"
            )
    return tuple(parents), needs_rootfs


def discover(docker_dir: Path) -> dict[str, ImageSpec]:
    """Every docker/<name>/Dockerfile, by short name."""
    if not docker_dir.is_dir():
        raise NotFoundError(f"image directory {docker_dir} does not exist")
    specs: dict[str, ImageSpec] = {}
    for dockerfile in sorted(docker_dir.glob("*/Dockerfile")):
        name = dockerfile.parent.name
        parents, needs_rootfs = _parse_from(name, dockerfile)
        specs[name] = ImageSpec(name, dockerfile.parent, parents, needs_rootfs)
    for spec in specs.values():
        for parent in spec.parents:
            if parent not in specs:
                raise ImageDefinitionError(
                    f"{spec.context / 'Dockerfile'}: FROM {PREFIX}{parent}, "
                    f"but there is no {docker_dir / parent / 'Dockerfile'}"
                )
    return specs


def build_order(specs: Mapping[str, ImageSpec], names: Iterable[str] = ()) -> list[ImageSpec]:
    """The requested images (all if none) and their ancestors, parents first."""
    wanted = [short_name(n) for n in names] or sorted(specs)
    unknown = [n for n in wanted if n not in specs]
    if unknown:
        known = ", ".join(sorted(specs)) or "none"
        raise NotFoundError(f"no image named {', '.join(unknown)} in docker/ (known: {known})")
    order: list[ImageSpec] = []
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise ImageDefinitionError(f"images are built FROM each other in a cycle: {cycle}")
        for parent in specs[name].parents:
            visit(parent, (*path, name))
        done.add(name)
        order.append(specs[name])

    for name in wanted:
        visit(name, ())
    return order


def context_files(context: Path) -> list[Path]:
    """Files of a build context, sorted by relative path, without editor leftovers."""
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(context):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_PARTS)
        for filename in filenames:
            if not filename.endswith(IGNORED_SUFFIXES):
                files.append(Path(dirpath) / filename)
    return sorted(files, key=lambda p: p.relative_to(context).as_posix())


def context_hash(context: Path) -> str:
    """sha256 over (relative path, executable bit, bytes) of every context file."""
    digest = hashlib.sha256()
    for path in context_files(context):
        rel = path.relative_to(context).as_posix().encode()
        executable = b"x" if os.access(path, os.X_OK) else b"-"
        data = path.read_bytes()
        # Lengths keep file boundaries unambiguous.
        digest.update(b"%d:%s%s%d:" % (len(rel), rel, executable, len(data)))
        digest.update(data)
    return digest.hexdigest()


def content_hashes(order: Iterable[ImageSpec], rootfs_id: str = "") -> dict[str, str]:
    """Each image's hash: its context combined with its parents' hashes (in order)."""
    hashes: dict[str, str] = {}
    for spec in order:
        digest = hashlib.sha256(context_hash(spec.context).encode())
        for parent in spec.parents:
            digest.update(f"|{parent}={hashes[parent]}".encode())
        if spec.needs_rootfs:
            digest.update(f"|rootfs={rootfs_id}".encode())
        hashes[spec.name] = digest.hexdigest()
    return hashes
