"""Where a scenario's files (checkers, roles, playbooks) and images are found.

A relative path in a scenario is looked up next to the scenario file first,
then in the shared library ``scenarios/_library`` of the project root.
"""

from __future__ import annotations

from pathlib import Path

LIBRARY_DIRNAME = "_library"


def library_dir(root: Path) -> Path:
    return root / "scenarios" / LIBRARY_DIRNAME


def resolve_asset(relative: str, scenario_dir: Path, root: Path) -> Path | None:
    """The existing file or folder a scenario path names, or None."""
    for base in (scenario_dir, library_dir(root)):
        try:
            candidate = (base / relative).resolve()
            if candidate.exists():
                return candidate
        except (OSError, ValueError):  # a NUL byte or an overlong name names no file
            continue
    return None


def image_dockerfile(image: str, root: Path) -> Path | None:
    """``cyberrange/web`` → ``docker/web/Dockerfile`` when it exists."""
    repository = image.split(":", 1)[0]
    if not repository.startswith("cyberrange/"):
        return None
    dockerfile = root / "docker" / repository.removeprefix("cyberrange/") / "Dockerfile"
    try:
        return dockerfile if dockerfile.is_file() else None
    except (OSError, ValueError):  # a NUL byte or an overlong name names no file
        return None
