"""The generic backend contract: every backend (``backend_name`` param) must pass these.

They speak only the Backend interface and hand-made Plans, so a new engine
(e.g. Swarm) runs the same suite by adding its name to CONTRACT_BACKENDS.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from backend_support import small_plan  # type: ignore[import-not-found]

from range.backends.base import Backend
from range.errors import BackendError, ImageMissingError
from range.plan import Plan
from range.reach import Probe
from range.verify import run_probe

pytestmark = pytest.mark.docker


@pytest.fixture
def small(backend: Backend) -> Iterator[Plan]:
    plan = small_plan(f"h4be-contract-{backend.name}", octet=43)
    backend.destroy(plan.range)
    try:
        yield plan
    finally:
        backend.destroy(plan.range)


def _running(backend: Backend, plan: Plan) -> dict[str, str]:
    return {h.container: h.state for h in backend.status(plan.range)}


def test_apply_creates_every_container_with_its_addresses(backend: Backend, small: Plan) -> None:
    messages: list[str] = []
    report = backend.apply(small, messages.append)
    assert sorted(report.created) == sorted(c.name for c in small.containers)
    assert len(messages) == len(small.networks) + len(small.containers)
    hosts = {h.container: h for h in backend.status(small.range)}
    for container in small.containers:
        found = hosts[container.name]
        assert (found.host, found.copy, found.state) == (container.host, 1, "running")
        assert found.addresses == {i.network: i.address for i in container.interfaces}


def test_apply_again_changes_nothing_and_repairs_what_drifted(
    backend: Backend, small: Plan
) -> None:
    backend.apply(small)
    again = backend.apply(small)
    assert sorted(again.unchanged) == sorted(c.name for c in small.containers)
    assert again.created == again.replaced == ()

    x = small.container("x", 1)
    bigger = dataclasses.replace(small.container("y", 1), memory="300m")  # drift y's plan
    without_gw = tuple(c for c in small.containers if c.host != "gw")
    changed = dataclasses.replace(
        small, containers=tuple(bigger if c.host == "y" else c for c in without_gw)
    )
    report = backend.apply(changed)
    assert report.replaced == (bigger.name,)
    assert report.unchanged == (x.name,)
    assert _running(backend, small) == {x.name: "running", bigger.name: "running"}


def test_routes_and_router_firewall_follow_the_plan(backend: Backend, small: Plan) -> None:
    backend.apply(small)
    x, y = small.container("x", 1), small.container("y", 1)
    y_addr, x_addr = y.interfaces[0].address, x.interfaces[0].address
    allowed = Probe(x.name, y.name, y_addr, 22, "tcp", True, "rule")
    denied_port = Probe(x.name, y.name, y_addr, 80, "tcp", False, "rule")
    denied_back = Probe(y.name, x.name, x_addr, 22, "tcp", False, "rule")
    results = [run_probe(backend, small.range, p) for p in (allowed, denied_port, denied_back)]
    assert [r.actual in ("open", "closed") for r in results] == [True, False, False]
    assert all(r.ok for r in results), results


def test_exec_runs_argument_lists_with_stdin_and_timeout(backend: Backend, small: Plan) -> None:
    backend.apply(small)
    x = small.container("x", 1).name
    echoed = backend.exec(small.range, x, ["cat"], stdin="a b; $(c)", timeout=30)
    assert (echoed.exit_code, echoed.stdout) == (0, "a b; $(c)")
    slow = backend.exec(small.range, x, ["sleep", "30"], timeout=1)
    assert slow.timed_out


def test_recreate_gives_a_fresh_container_from_the_image(backend: Backend, small: Plan) -> None:
    backend.apply(small)
    y = small.container("y", 1)
    assert backend.exec(small.range, y.name, ["touch", "/root/changed"]).exit_code == 0
    backend.recreate(small, y)
    assert backend.exec(small.range, y.name, ["test", "-e", "/root/changed"]).exit_code == 1
    # Its routes come back too: x still reaches y through the router.
    x = small.container("x", 1)
    probe = Probe(x.name, y.name, y.interfaces[0].address, 22, "tcp", True, "rule")
    assert run_probe(backend, small.range, probe).ok


def test_destroy_removes_everything_and_is_idempotent(backend: Backend, small: Plan) -> None:
    backend.apply(small)
    removed = backend.destroy(small.range)
    assert removed == len(small.containers) + len(small.networks)
    assert backend.status(small.range) == []
    assert backend.destroy(small.range) == 0


def test_failed_apply_leaves_nothing_behind(backend: Backend, small: Plan) -> None:
    broken = dataclasses.replace(small.container("x", 1), capabilities=("NOT_A_CAPABILITY",))
    plan = dataclasses.replace(
        small, containers=tuple(broken if c.host == "x" else c for c in small.containers)
    )
    with pytest.raises(BackendError):
        backend.apply(plan)
    assert backend.status(plan.range) == []
    assert backend.destroy(plan.range) == 0  # no network was left either


def test_missing_image_is_named_with_the_build_command(backend: Backend, small: Plan) -> None:
    ghost = dataclasses.replace(small.container("x", 1), image="cyberrange/h4be-no-such-image")
    plan = dataclasses.replace(small, containers=(ghost,))
    with pytest.raises(ImageMissingError, match=r"cyberrange images build h4be-no-such-image"):
        backend.apply(plan)
    assert backend.destroy(plan.range) == 0
