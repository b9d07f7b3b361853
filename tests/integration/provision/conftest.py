"""Fixtures of the provisioning tests: real containers, real Ansible."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from provtools import Ranges


@pytest.fixture
def ranges(docker_engine: None) -> Iterator[Ranges]:
    made = Ranges()
    yield made
    made.close()
