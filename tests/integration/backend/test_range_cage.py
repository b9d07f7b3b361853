"""The range is a cage: no way to the host, routes exactly the plan's, routers that restart whole.

Real engine, real containers. Each test states what failed before the fix
(issue 13): containers reached a listener on the host's 0.0.0.0 through every
bridge gateway, kept Docker's default route, and a restarted router came back
without its firewall while `status` said running.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from backend_support import small_plan  # type: ignore[import-not-found]

from range.backends.base import Backend
from range.backends.docker import DockerBackend
from range.netcheck import network_drift
from range.plan import Plan
from range.verify import Probe, run_probe, verify_plan
from range.verify_host import host_addresses, host_listener

OCTET = 36  # 10.36.1.0/24 and 10.36.2.0/24: this file's own address space


@pytest.fixture(scope="module")
def cage(docker_engine: None) -> Iterator[tuple[DockerBackend, Plan]]:
    backend = DockerBackend()
    plan = small_plan("h13-cage", octet=OCTET)
    backend.destroy(plan.range)
    backend.apply(plan)
    yield backend, plan
    backend.destroy(plan.range)


def _routes(name: str) -> list[dict[str, str]]:
    out = subprocess.run(
        ["docker", "exec", name, "ip", "-j", "route", "show", "table", "main"],
        capture_output=True,
        text=True,
        check=True,
    )
    routes: list[dict[str, str]] = json.loads(out.stdout)
    return routes


def _probe(backend: Backend, plan: Plan, source: str, address: str, port: int) -> str:
    probe = Probe(source, "engine host", address, port, "tcp", False, "host", "")
    return run_probe(backend, plan.range, probe).actual


def test_no_container_reaches_a_listener_on_the_host(
    cage: tuple[DockerBackend, Plan],
) -> None:
    backend, plan = cage
    others = [a for a, interface in host_addresses().items() if not interface.startswith("crb")]
    targets = sorted({*others, *(n.gateway for n in plan.networks)})
    with host_listener() as port:
        # The listener really answers from the host's side: a probe can tell.
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        for container in plan.containers:  # a router, a host with routes, a host behind it
            for address in targets:
                actual = _probe(backend, plan, container.name, address, port)
                assert actual in ("filtered", "unreachable"), (container.name, address, actual)


def test_verify_probes_the_host_from_every_network(cage: tuple[DockerBackend, Plan]) -> None:
    backend, plan = cage
    results = verify_plan(backend, plan)
    to_host = [r for r in results if r.kind == "host"]
    assert {r.address for r in to_host} >= {n.gateway for n in plan.networks}
    assert all(r.expected == "denied" and r.ok for r in to_host), to_host


def test_routes_are_exactly_the_plans(cage: tuple[DockerBackend, Plan]) -> None:
    _, plan = cage
    for container in plan.containers:
        routes = _routes(container.name)
        assert not [r for r in routes if r["dst"] == "default"], (container.name, routes)
        via = {(r["dst"], r["gateway"]) for r in routes if "gateway" in r}
        assert via == {(r.destination, r.via) for r in container.routes}, container.name


def _ruleset_loaded(router: str) -> bool:
    listed = subprocess.run(
        ["docker", "exec", router, "nft", "list", "table", "inet", "cyberrange"],
        capture_output=True,
        text=True,
        check=False,
    )
    return listed.returncode == 0 and "policy drop" in listed.stdout


def _wait_running(name: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = subprocess.run(
            ["docker", "inspect", "--format", "{{.State.Running}} {{.RestartCount}}", name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if state[0] == "true" and _ruleset_loaded(name):
            return
        time.sleep(0.2)
    raise AssertionError(f"{name} did not come back with its ruleset in {timeout}s")


@pytest.mark.parametrize("how", ["docker restart", "restart policy"])
def test_a_restarted_router_comes_back_with_its_firewall_and_routes(
    cage: tuple[DockerBackend, Plan], how: str
) -> None:
    backend, plan = cage
    router = plan.container("gw", 1)
    if how == "docker restart":
        subprocess.run(["docker", "restart", "-t", "1", router.name], check=True)
    else:  # the process dies; the engine's restart policy starts it again
        subprocess.run(["docker", "exec", router.name, "kill", "-TERM", "1"], check=False)
        time.sleep(1.0)
    _wait_running(router.name)
    assert not [r for r in _routes(router.name) if r["dst"] == "default"]
    x, y = plan.container("x", 1), plan.container("y", 1)
    y_address = y.interfaces[0].address
    assert _probe(backend, plan, x.name, y_address, 22) == "open"  # allowed: a to b ssh
    assert _probe(backend, plan, x.name, y_address, 2222) == "filtered"  # the default drop
    hosts = backend.status(plan.range)
    assert network_drift(backend, plan, hosts) == {}


def test_status_names_drift_and_up_repairs_it(cage: tuple[DockerBackend, Plan]) -> None:
    backend, plan = cage
    x, gw = plan.container("x", 1), plan.container("gw", 1)
    # A host restarted by hand loses the routes set from outside (it has no
    # NET_ADMIN to restore them); a ruleset flushed by hand is gone too.
    subprocess.run(["docker", "restart", "-t", "1", x.name], check=True)
    subprocess.run(["docker", "exec", gw.name, "nft", "flush", "ruleset"], check=True)
    drift = network_drift(backend, plan, backend.status(plan.range))
    assert any("not in the plan" in p or "missing" in p for p in drift[x.name]), drift
    assert f"route 10.{OCTET}.2.0/24 via 10.{OCTET}.1.2 missing" in drift[x.name]
    assert "firewall table inet cyberrange missing" in drift[gw.name]
    backend.apply(plan)
    assert network_drift(backend, plan, backend.status(plan.range)) == {}
    results = verify_plan(backend, plan)
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]
