"""Checks that read the plain YAML data instead of the models.

Files (checker scripts, roles, playbooks, Dockerfiles) and the scoring formula
are plain strings that need nothing else of the scenario to be right, so these
checks walk the parsed data directly: they run even where the models failed,
and a missing Dockerfile is reported next to an unknown key instead of after
it is fixed. Values of the wrong type are skipped here; the models report them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from range.scenario.assets import image_dockerfile, library_dir, resolve_asset
from range.scenario.finding import Finding
from range.scenario.locate import PathItem

DEFAULT_FORMULA = "faust"


def raw_findings(
    data: Mapping[str, Any], directory: Path, root: Path, formulas: Iterable[str]
) -> list[Finding]:
    """File and formula problems of a scenario's plain data, whatever its shape."""
    return [*_asset_findings(data, directory, root), *_formula(data, tuple(formulas))]


def _mapping(value: Any) -> dict[str, Any]:
    """The str-keyed entries of a mapping; nothing for any other value."""
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str)}


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _asset_findings(data: Mapping[str, Any], directory: Path, root: Path) -> Iterator[Finding]:
    def missing(relative: Any, path: tuple[PathItem, ...], what: str) -> Iterator[Finding]:
        if isinstance(relative, str) and resolve_asset(relative, directory, root) is None:
            yield Finding(
                path,
                f"{what} {relative!r} not found (looked in {directory} and {library_dir(root)})",
            )

    external = {image for _, image in _items(data.get("external_images")) if _text(image)}
    for host_name, host in _mapping(data.get("hosts")).items():
        fields = _mapping(host)
        yield from _image(host_name, _text(fields.get("image")), external, root)
        for i, service in _items(fields.get("services")):
            checker = _mapping(service).get("checker")
            yield from missing(checker, ("hosts", host_name, "services", i, "checker"), "checker")
        for i, entry in _items(fields.get("provision")):
            yield from missing(entry, ("hosts", host_name, "provision", i), "role or playbook")
    for index, inject in _items(data.get("injects")):
        playbook = _mapping(_mapping(inject).get("run")).get("playbook")
        yield from missing(playbook, ("injects", index, "run", "playbook"), "playbook")


def _image(host_name: str, image: str | None, external: set[str], root: Path) -> Iterator[Finding]:
    if image is None or image in external or image_dockerfile(image, root) is not None:
        return
    yield Finding(
        ("hosts", host_name, "image"),
        f"image {image!r} has no Dockerfile in {root / 'docker'} "
        "(cyberrange/NAME is built from docker/NAME/Dockerfile; list other images "
        "under external_images)",
    )


def _formula(data: Mapping[str, Any], formulas: tuple[str, ...]) -> Iterator[Finding]:
    formula = _mapping(data.get("scoring")).get("formula", DEFAULT_FORMULA)
    if isinstance(formula, str) and formula not in formulas:
        yield Finding(
            ("scoring", "formula"),
            f"unknown scoring formula {formula!r} (expected one of: {', '.join(formulas)})",
        )
