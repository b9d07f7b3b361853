"""Batched probes on the real engine give the answers of single probes.

`verify` runs all probes of a source container in one exec
(range/probe_batch.py) instead of one exec per probe. Here both ways probe
the same targets from the same containers, and must agree on every answer
kind: open (sshd), closed (a port the firewall lets through, nothing
listening; UDP: ICMP port unreachable), filtered (the router's firewall
drops) and unreachable (no route: the range keeps only the plan's routes).

Address space of this file (never used by other tests): 10.39.0.0/16.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from backend_support import deployed_text  # type: ignore[import-not-found]

from range.backends.base import Backend
from range.plan import Plan
from range.reach import Probe
from range.verify import ProbeResult, run_batch, run_probe, verify_plan

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[3]
RANGE = "h39verify-batch"
SCENARIO = """\
schema: cyberrange/v1
name: h39verify-batch
title: Batched probes answer like single ones
duration: 10m
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 1}
networks:
  front: {subnet: "10.39.1.0/24"}
  back:  {subnet: "10.39.2.0/24"}
hosts:
  gw:
    image: cyberrange/router
    router: true
    networks: [front, back]
    firewall:
      default: drop
      allow:
        - {from: front, to: back, ports: [22/tcp, 2222/tcp, 2222/udp]}
  ws:
    image: cyberrange/base
    networks: {front: "10.39.1.20"}
  srv:
    image: cyberrange/target
    networks: {back: "10.39.2.10"}
    services: [{name: ssh, port: 22/tcp}]
"""
NO_ROUTE = "10.39.99.9"  # no network of the range, no route to it


@pytest.fixture(scope="module")
def deployed(
    docker_engine: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Backend, Plan]]:
    with deployed_text(tmp_path_factory.mktemp("verifybatch"), SCENARIO, RANGE) as found:
        _wait_for_sshd(*found)
        yield found


def _wait_for_sshd(backend: Backend, plan: Plan) -> None:
    """sshd makes its host keys at first start: the open probe needs it listening."""
    probe = _cases(plan)[0][0]
    deadline = time.monotonic() + 60
    while run_probe(backend, plan.range, probe).actual != "open":
        if time.monotonic() > deadline:
            pytest.fail("sshd on srv did not start listening within 60 s")
        time.sleep(1)


def _cases(plan: Plan) -> list[tuple[Probe, str]]:
    """Probes from both sides of the router, each with the answer it must get."""
    ws, srv = plan.container("ws", 1).name, plan.container("srv", 1).name
    to_srv, to_ws = "10.39.2.10", "10.39.1.20"

    def probe(source: str, dest: str, address: str, port: int, proto: str = "tcp") -> Probe:
        return Probe(source, dest, address, port, proto, True, "test")

    def denied(found: Probe) -> Probe:
        return replace(found, expect_allowed=False)

    return [
        (probe(ws, srv, to_srv, 22), "open"),
        (probe(ws, srv, to_srv, 2222), "closed"),  # allowed through, nothing listens
        (denied(probe(ws, srv, to_srv, 9)), "filtered"),  # the router drops it
        (denied(probe(ws, "nowhere", NO_ROUTE, 80)), "unreachable"),
        (probe(ws, srv, to_srv, 2222, "udp"), "closed"),  # ICMP port unreachable
        (denied(probe(ws, srv, to_srv, 9, "udp")), "filtered"),
        (denied(probe(srv, ws, to_ws, 22)), "filtered"),  # back to front: no rule
        (denied(probe(srv, "nowhere", NO_ROUTE, 80)), "unreachable"),
    ]


def _answers(results: list[ProbeResult]) -> list[str]:
    return [r.actual for r in results]


def _batched(backend: Backend, plan: Plan, cases: list[tuple[Probe, str]]) -> list[ProbeResult]:
    batched: list[ProbeResult] = []
    for source in dict.fromkeys(p.source for p, _ in cases):
        batched += run_batch(backend, plan.range, [p for p, _ in cases if p.source == source])
    return batched


def test_batch_answers_like_single_probes(deployed: tuple[Backend, Plan]) -> None:
    backend, plan = deployed
    cases = _cases(plan)
    expected = [answer for _, answer in cases]
    singles = [run_probe(backend, plan.range, probe) for probe, _ in cases]
    batched = _batched(backend, plan, cases)
    if _answers(batched) != expected:
        # The kernel's ICMP budget is shared by the whole machine: under load a
        # port-unreachable can be dropped once. A second batch must agree.
        batched = _batched(backend, plan, cases)
    assert _answers(singles) == expected
    assert _answers(batched) == expected
    assert all(r.ok for r in batched), [r for r in batched if not r.ok]


def test_a_narrow_batch_still_answers_every_probe(deployed: tuple[Backend, Plan]) -> None:
    """Width 2: probes wait for a free slot, each still gets its own timeout."""
    backend, plan = deployed
    cases = [case for case in _cases(plan) if case[0].source == _cases(plan)[0][0].source]
    many = cases * 3
    results = run_batch(backend, plan.range, [p for p, _ in many], width=2)
    assert _answers(results) == [answer for _, answer in many]


def test_verify_plan_runs_batches_and_keeps_probe_order(deployed: tuple[Backend, Plan]) -> None:
    backend, plan = deployed
    cases = _cases(plan)
    # Interleave sources: results must still come back in the probes' order.
    probes = [p for p, _ in cases[6:]] + [p for p, _ in cases[:6]]
    expected = [a for _, a in cases[6:]] + [a for _, a in cases[:6]]
    counted: list[int] = []
    seen: list[ProbeResult] = []
    results = verify_plan(backend, plan, probes, done=seen.append, started=counted.append)
    assert counted == [len(probes)]
    assert _answers(results) == expected
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert sorted(map(repr, seen)) == sorted(map(repr, results))


def test_a_mismatch_is_reported_after_its_retry(deployed: tuple[Backend, Plan]) -> None:
    """A wrong expectation stays wrong: the retry alone answers the same, and it is reported."""
    backend, plan = deployed
    dropped, answer = _cases(plan)[2]
    wrong = replace(dropped, expect_allowed=True)
    results = verify_plan(backend, plan, [wrong, _cases(plan)[0][0]])
    assert [(r.actual, r.ok) for r in results] == [(answer, False), ("open", True)]


def test_verify_plan_agrees_with_the_plan(deployed: tuple[Backend, Plan]) -> None:
    backend, plan = deployed
    results = verify_plan(backend, plan)
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]
