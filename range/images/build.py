"""Build the range images in dependency order, skipping those already up to date."""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from range.config import project_root
from range.errors import ImageMissingError
from range.images.docker_cli import build_image, inspect_image
from range.images.rootfs import create_rootfs
from range.images.specs import (
    HASH_LABEL,
    PREFIX,
    ROOTFS_TAG,
    ImageSpec,
    build_order,
    content_hashes,
    discover,
    short_name,
)

_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")


@dataclass(frozen=True)
class BuildEvent:
    """What the progress display shows: one image's state and current step."""

    image: str  # tag, e.g. cyberrange/web
    kind: str  # planned | start | step | line | skipped | built | failed
    message: str = ""
    step: int = 0
    total: int = 0


ProgressFn = Callable[[BuildEvent], None]


@dataclass(frozen=True)
class BuildResult:
    image: str
    status: str  # built | up-to-date
    content_hash: str
    seconds: float


@dataclass(frozen=True)
class ImageStatus:
    name: str
    tag: str
    built: bool
    up_to_date: bool
    size: int | None  # bytes, when built
    content_hash: str


def _quiet(_: BuildEvent) -> None:
    return None


def _docker_dir(docker_dir: Path | None) -> Path:
    return docker_dir if docker_dir is not None else project_root() / "docker"


def ensure_rootfs(progress: ProgressFn = _quiet) -> str:
    """The imported Debian root's image id; created (as root) when absent."""
    info = inspect_image(ROOTFS_TAG)
    if info is None:
        progress(BuildEvent(ROOTFS_TAG, "start", "debootstrap (about a minute)"))
        create_rootfs(ROOTFS_TAG, lambda line: progress(BuildEvent(ROOTFS_TAG, "line", line)))
        info = inspect_image(ROOTFS_TAG)
        if info is None:
            raise ImageMissingError(f"{ROOTFS_TAG} is still missing after docker import")
        progress(BuildEvent(ROOTFS_TAG, "built"))
    return info.image_id


@contextmanager
def _build_lock(first: str, progress: ProgressFn) -> Iterator[None]:
    """One images build at a time on this machine: a second one waits, then skips."""
    path = Path(tempfile.gettempdir()) / f"cyberrange-images-{os.getuid()}.lock"
    with path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(BuildEvent(first, "line", "waiting for another images build"))
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build_one(spec: ImageSpec, content_hash: str, progress: ProgressFn) -> None:
    def on_line(line: str) -> None:
        match = _STEP.match(line)
        if match:
            step, total, text = int(match[1]), int(match[2]), match[3]
            progress(BuildEvent(spec.tag, "step", text, step, total))
        else:
            progress(BuildEvent(spec.tag, "line", line))

    build_image(spec.tag, spec.context, {HASH_LABEL: content_hash}, on_line)


def build_images(
    names: Iterable[str] = (),
    *,
    force: bool = False,
    progress: ProgressFn = _quiet,
    docker_dir: Path | None = None,
) -> list[BuildResult]:
    """Build NAMES (all images if empty) and their parents; skip up-to-date ones.

    An image is up to date when its `cyberrange.content-hash` label equals the
    hash of its build context combined with its parents' hashes. `force`
    rebuilds the named images (all when none are named) even then; their
    parents are still only rebuilt when out of date.
    """
    names = list(names)
    order = build_order(discover(_docker_dir(docker_dir)), names)
    forced = {short_name(n) for n in names} if names else {s.name for s in order}
    for spec in order:
        progress(BuildEvent(spec.tag, "planned"))
    with _build_lock(order[0].tag if order else ROOTFS_TAG, progress):
        return _build_all(order, forced if force else set(), progress)


def _build_all(order: list[ImageSpec], forced: set[str], progress: ProgressFn) -> list[BuildResult]:
    rootfs_id = ensure_rootfs(progress) if any(s.needs_rootfs for s in order) else ""
    hashes = content_hashes(order, rootfs_id)
    results: list[BuildResult] = []
    for spec in order:
        started = time.monotonic()
        info = inspect_image(spec.tag)
        current = info is not None and info.labels.get(HASH_LABEL) == hashes[spec.name]
        if current and spec.name not in forced:
            progress(BuildEvent(spec.tag, "skipped", "up to date"))
            results.append(BuildResult(spec.tag, "up-to-date", hashes[spec.name], 0.0))
            continue
        progress(BuildEvent(spec.tag, "start"))
        try:
            _build_one(spec, hashes[spec.name], progress)
        except Exception as exc:
            progress(BuildEvent(spec.tag, "failed", str(exc).splitlines()[0]))
            raise
        seconds = time.monotonic() - started
        progress(BuildEvent(spec.tag, "built", f"{seconds:.0f} s"))
        results.append(BuildResult(spec.tag, "built", hashes[spec.name], seconds))
    return results


def list_images(docker_dir: Path | None = None) -> list[ImageStatus]:
    """Every image of docker/: built?, up to date?, size."""
    order = build_order(discover(_docker_dir(docker_dir)))
    rootfs = inspect_image(ROOTFS_TAG)
    hashes = content_hashes(order, rootfs.image_id if rootfs else "")
    rows: list[ImageStatus] = []
    for spec in sorted(order, key=lambda s: s.name):
        info = inspect_image(spec.tag)
        current = info is not None and info.labels.get(HASH_LABEL) == hashes[spec.name]
        size = info.size if info else None
        rows.append(
            ImageStatus(spec.name, spec.tag, info is not None, current, size, hashes[spec.name])
        )
    return rows


def _full_tag(image: str) -> str:
    return image if ":" in image.rsplit("/", 1)[-1] else f"{image}:latest"


def missing_images(names: Iterable[str]) -> list[str]:
    """The given image references (e.g. 'cyberrange/web') not present in the engine."""
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return [name for name in seen if inspect_image(_full_tag(name)) is None]


def build_command(images: Sequence[str]) -> str:
    """The command that builds these images, for messages."""
    ours = [short_name(i) for i in images if i.startswith(PREFIX)]
    return "cyberrange images build " + " ".join(ours) if ours else "cyberrange images build"


def require_images(names: Iterable[str]) -> None:
    """Raise ImageMissingError naming the build command when any image is absent."""
    missing = missing_images(names)
    if missing:
        raise ImageMissingError(
            f"Image missing: {', '.join(missing)} — run `{build_command(missing)}`"
        )


def ensure_images(
    names: Iterable[str],
    progress: ProgressFn = _quiet,
    docker_dir: Path | None = None,
) -> list[BuildResult]:
    """Build whichever of these images are absent; foreign images cannot be built here."""
    missing = missing_images(names)
    foreign = [m for m in missing if not m.startswith(PREFIX)]
    if foreign:
        raise ImageMissingError(
            f"Image missing: {', '.join(foreign)} is not a cyberrange image and cannot be "
            "pulled (no registry); use an image from docker/ (cyberrange images list)"
        )
    if not missing:
        return []
    return build_images([short_name(m) for m in missing], progress=progress, docker_dir=docker_dir)
