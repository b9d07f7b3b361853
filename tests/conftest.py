"""Fixtures shared by every test area."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from range.config import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a private data directory and SQLite database."""
    return Settings(data_dir=tmp_path / "data", root=ROOT)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine

    import_all_tables()
    engine = open_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """Integration tests need a real engine: fail loudly, never skip."""
    if shutil.which("docker") is None:
        pytest.fail("docker CLI not found: run ./scripts/test, which installs and starts it")
    result = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        pytest.fail(f"Docker engine unreachable: {result.stderr.strip()[:300]}")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("CYBERRANGE_TEST_POSTGRES_URL")
    if not url:
        pytest.fail("CYBERRANGE_TEST_POSTGRES_URL is not set: run the suite with ./scripts/test")
    return url
