"""Images reach every node offline: `docker save` on the manager piped into `docker load`.

No registry is needed: the manager's engine (where `cyberrange images build`
puts them) is the source, and a node only gets the images it lacks.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from range.backends.docker_engine import DockerEngine, image_build_hint
from range.errors import BackendError, ImageMissingError

TRANSFER_TIMEOUT = 1800.0


def docker_argv(engine: DockerEngine, *args: str) -> list[str]:
    return [str(part) for part in engine.client.client_config.docker_cmd] + list(args)


def missing_images(engine: DockerEngine, images: Sequence[str]) -> list[str]:
    present = engine.image_ids(images)
    return sorted(image for image in set(images) if image not in present)


def require_images(source: DockerEngine, images: Sequence[str]) -> None:
    """Raise ImageMissingError (with the build command) unless the source has every image."""
    missing = missing_images(source, images)
    if missing:
        raise ImageMissingError("; ".join(image_build_hint(image) for image in missing))


def copy_images(source: DockerEngine, target: DockerEngine, images: Sequence[str]) -> list[str]:
    """Load into ``target`` the images it lacks, streamed from ``source``; returns them."""
    missing = missing_images(target, images)
    if not missing:
        return []
    require_images(source, missing)
    save = subprocess.Popen(docker_argv(source, "save", *missing), stdout=subprocess.PIPE)
    try:
        load = subprocess.run(
            docker_argv(target, "load", "--quiet"),
            stdin=save.stdout,
            capture_output=True,
            text=True,
            timeout=TRANSFER_TIMEOUT,
            check=False,
        )
    finally:
        if save.stdout is not None:
            save.stdout.close()
        saved = save.wait()
    if saved != 0 or load.returncode != 0:
        raise BackendError(
            f"copying images {', '.join(missing)} to a swarm node failed "
            f"(save exit {saved}): {load.stderr.strip()[:300]}"
        )
    return missing
