"""Fixtures of the image tests: every image built once, containers named imgtest-*."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from imgtest_support import RANGE_IMAGES, Container, remove_test_containers

from range.images import BuildResult, build_images


@pytest.fixture(scope="session")
def built_images(docker_engine: None) -> list[BuildResult]:
    """Build (or confirm up to date) the range images once per session."""
    remove_test_containers()
    return build_images(RANGE_IMAGES)


@pytest.fixture
def container(built_images: list[BuildResult]) -> Iterator[Callable[[str], Container]]:
    started: list[Container] = []

    def start(image: str) -> Container:
        box = Container(image)
        started.append(box)
        return box

    yield start
    for box in started:
        box.remove()
