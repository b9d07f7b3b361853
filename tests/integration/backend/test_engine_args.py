"""engine_args: the docker options Ansible needs to reach each container's engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backend_support import small_plan  # type: ignore[import-not-found]
from python_on_whales import DockerClient

from range.backends import get_backend
from range.backends.base import Backend
from range.backends.docker import DockerBackend
from range.backends.docker_engine import DockerEngine
from range.backends.swarm import SwarmBackend
from range.config import Settings
from range.plan import Plan
from tests.conftest import ROOT

pytestmark = pytest.mark.docker

SOCKET_URL = "unix:///var/run/docker.sock"  # this engine, named explicitly


@pytest.fixture
def explicit(backend_name: str) -> Backend:
    """The backend on a client given the engine's address instead of the default."""
    engine = DockerEngine(DockerClient(host=SOCKET_URL))
    return DockerBackend(engine) if backend_name == "docker" else SwarmBackend(engine)


@pytest.fixture
def applied(explicit: Backend) -> Iterator[Plan]:
    plan = small_plan(f"h4be-engargs-{explicit.name}", octet=38)
    explicit.destroy(plan.range)
    explicit.apply(plan)
    try:
        yield plan
    finally:
        explicit.destroy(plan.range)


def test_default_engine_needs_no_options_an_explicit_one_is_named(
    backend_name: str, explicit: Backend, applied: Plan
) -> None:
    default = get_backend(Settings(backend=backend_name, root=ROOT))
    assert default.engine_args(applied.range) == {}
    named = explicit.engine_args(applied.range)
    assert {c.name for c in applied.containers} <= set(named)
    assert all(options == ["--host", SOCKET_URL] for options in named.values())
