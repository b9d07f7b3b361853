"""Range images: discover docker/*/Dockerfile, build them offline, in order.

from range.images import build_images, missing_images, ensure_images
"""

from __future__ import annotations

from range.images.build import (
    BuildEvent,
    BuildResult,
    ImageStatus,
    ProgressFn,
    build_command,
    build_images,
    ensure_images,
    ensure_rootfs,
    list_images,
    missing_images,
    require_images,
)
from range.images.docker_cli import ImageBuildError
from range.images.specs import (
    HASH_LABEL,
    ROOTFS_TAG,
    ImageDefinitionError,
    ImageSpec,
    build_order,
    content_hashes,
    context_hash,
    discover,
)

__all__ = [
    "HASH_LABEL",
    "ROOTFS_TAG",
    "BuildEvent",
    "BuildResult",
    "ImageBuildError",
    "ImageDefinitionError",
    "ImageSpec",
    "ImageStatus",
    "ProgressFn",
    "build_command",
    "build_images",
    "build_order",
    "content_hashes",
    "context_hash",
    "discover",
    "ensure_images",
    "ensure_rootfs",
    "list_images",
    "missing_images",
    "require_images",
]
