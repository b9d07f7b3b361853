"""Fixtures of the range-engine integration tests (real Docker engine)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_support import Deployed, write_firewalled  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine

from range.backends import get_backend
from range.backends.base import Backend
from range.config import Settings

ROOT = Path(__file__).resolve().parents[3]

# Backends that must pass the generic contract suite.
CONTRACT_BACKENDS = ["docker", "swarm"]
SWARM_TESTS = Path(__file__).resolve().parents[1] / "swarm"


@pytest.fixture(scope="session")
def swarm_manager(docker_engine: None) -> Iterator[None]:
    """A single-node swarm on this engine (tests/integration/swarm/swarm_session.py)."""
    sys.path.insert(0, str(SWARM_TESTS))
    from swarm_session import single_node_swarm  # type: ignore[import-not-found]

    with single_node_swarm():
        yield


@pytest.fixture(params=CONTRACT_BACKENDS)
def backend_name(request: pytest.FixtureRequest, docker_engine: None) -> str:
    if request.param == "swarm":
        request.getfixturevalue("swarm_manager")
    return str(request.param)


@pytest.fixture
def backend(backend_name: str) -> Backend:
    return get_backend(Settings(backend=backend_name, root=ROOT))


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("be-data"), root=ROOT)


@pytest.fixture(scope="module")
def module_engine(module_settings: Settings) -> Iterator[Engine]:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine

    import_all_tables()
    engine = open_engine(module_settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def firewalled(
    docker_engine: None,
    module_settings: Settings,
    module_engine: Engine,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployed]:
    """The two-copy router/firewall range, deployed once for the module."""
    from range.lifecycle import down, up
    from range.scenario.loader import load

    path = write_firewalled(tmp_path_factory.mktemp("scenario"), "main", copies=2)
    name = "h4be-main"
    get_backend(module_settings).destroy(name)  # leftovers of an interrupted earlier run
    result = up(module_settings, module_engine, load(path), name)
    try:
        yield Deployed(module_settings, module_engine, result.plan, path)
    finally:
        down(module_settings, module_engine, name)
