"""Fixtures of the Swarm backend tests: a single-node swarm on this engine."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from swarm_session import single_node_swarm  # type: ignore[import-not-found]

from range.backends.swarm import SwarmBackend

# The generic contract suite and its helpers live with the Docker backend's tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))


@pytest.fixture(scope="session")
def swarm_manager(docker_engine: None) -> Iterator[None]:
    with single_node_swarm():
        yield


@pytest.fixture
def backend(swarm_manager: None) -> SwarmBackend:
    return SwarmBackend()
