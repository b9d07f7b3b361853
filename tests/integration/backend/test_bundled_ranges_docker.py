"""The bundled scenarios come up, verify, and go down without leaving anything."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_support import leftovers  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine

from range.backends import get_backend
from range.config import Settings
from range.errors import ConflictError
from range.lifecycle import UpResult, down, status, up, verify
from range.scenario.loader import load

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cleanup(docker_engine: None, settings: Settings) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        get_backend(settings).destroy(name)


def _up_when_free(
    settings: Settings, engine: Engine, path: Path, name: str, copies: int
) -> UpResult:
    """The bundled scenarios use fixed subnets other test areas may hold for a while."""
    deadline = time.monotonic() + 300
    while True:
        try:
            return up(settings, engine, load(path), name, copies)
        except ConflictError as exc:
            if "overlaps" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(5)


def _round_trip(settings: Settings, engine: Engine, scenario: str, name: str, copies: int) -> None:
    path = ROOT / "scenarios" / scenario / "scenario.yaml"
    result = _up_when_free(settings, engine, path, name, copies)
    hosts = status(settings, engine, name).hosts
    assert len(hosts) == len(result.plan.containers)
    assert {h.state for h in hosts} == {"running"}
    results = verify(settings, engine, name)
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]
    assert down(settings, engine, name) == len(result.plan.containers) + len(result.plan.networks)
    assert leftovers(name) == {}


def test_hello_range_round_trip(settings: Settings, engine: Engine, cleanup: list[str]) -> None:
    cleanup.append("h4be-hello")
    _round_trip(settings, engine, "hello-range", "h4be-hello", 1)


def test_dmz_breach_two_copies_round_trip(
    settings: Settings, engine: Engine, cleanup: list[str]
) -> None:
    cleanup.append("h4be-dmz")
    _round_trip(settings, engine, "dmz-breach", "h4be-dmz", 2)
