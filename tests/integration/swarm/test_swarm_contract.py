"""The backend contract suite (tests/integration/backend) run against a single-node swarm.

The test functions are the Docker backend's own, imported unchanged; only the
plan's range name and addresses are this area's, so both suites can run at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backend_support import small_plan  # type: ignore[import-not-found]
from test_backend_contract import (  # type: ignore[import-not-found]
    test_apply_again_changes_nothing_and_repairs_what_drifted,
    test_apply_creates_every_container_with_its_addresses,
    test_destroy_removes_everything_and_is_idempotent,
    test_exec_runs_argument_lists_with_stdin_and_timeout,
    test_failed_apply_leaves_nothing_behind,
    test_missing_image_is_named_with_the_build_command,
    test_recreate_gives_a_fresh_container_from_the_image,
    test_routes_and_router_firewall_follow_the_plan,
)

from range.backends.base import Backend
from range.plan import Plan

pytestmark = pytest.mark.docker

__all__ = [
    "test_apply_again_changes_nothing_and_repairs_what_drifted",
    "test_apply_creates_every_container_with_its_addresses",
    "test_destroy_removes_everything_and_is_idempotent",
    "test_exec_runs_argument_lists_with_stdin_and_timeout",
    "test_failed_apply_leaves_nothing_behind",
    "test_missing_image_is_named_with_the_build_command",
    "test_recreate_gives_a_fresh_container_from_the_image",
    "test_routes_and_router_firewall_follow_the_plan",
]


@pytest.fixture
def small(backend: Backend) -> Iterator[Plan]:
    plan = small_plan("h11sw-contract", octet=92)
    backend.destroy(plan.range)
    try:
        yield plan
    finally:
        backend.destroy(plan.range)
