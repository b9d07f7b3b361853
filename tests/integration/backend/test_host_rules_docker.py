"""A host-restricted firewall rule on the real engine: only the granted host gets through.

"corp -> OT :22 only from the engineering workstation": the workstation
reaches the PLC's sshd, the office PC on the same network does not, and the
workstation does not reach the HMI (which listens on the same port) either —
in both copies, each router matching its own copy's hosts. `verify_plan`
must agree, with probes that prove the rule from both sides.

Address space of this file (never used by other tests): 10.213.0.0/16.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_support import deployed_text  # type: ignore[import-not-found]

from range.backends.base import Backend
from range.plan import Plan
from range.reach import Probe
from range.verify import run_probe, verify_plan

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[3]
RANGE = "h13fw-hostrule"
SCENARIO = """\
schema: cyberrange/v1
name: h13fw-hostrule
title: Host-restricted firewall rule
duration: 10m
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 2}
networks:
  corp: {subnet: "10.213.1{copy}.0/24"}
  ot:   {subnet: "10.213.2{copy}.0/24"}
hosts:
  gw:
    image: cyberrange/router
    router: true
    networks: [corp, ot]
    firewall:
      default: drop
      allow:
        - {from: eng, to: plc, ports: [22/tcp]}
  eng:
    image: cyberrange/base
    networks: {corp: "10.213.1{copy}.20"}
  office:
    image: cyberrange/base
    networks: {corp: "10.213.1{copy}.30"}
  plc:
    image: cyberrange/target
    networks: {ot: "10.213.2{copy}.10"}
    services: [{name: ssh, port: 22/tcp}]
  hmi:
    image: cyberrange/target
    networks: {ot: "10.213.2{copy}.11"}
    services: [{name: ssh, port: 22/tcp}]
"""


@pytest.fixture(scope="module")
def deployed(
    docker_engine: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Backend, Plan]]:
    with deployed_text(tmp_path_factory.mktemp("hostrule"), SCENARIO, RANGE) as found:
        yield found


def probe(deployed: tuple[Backend, Plan], source: str, target: str, copy: int) -> str:
    backend, plan = deployed
    src, dest = plan.container(source, copy), plan.container(target, copy)
    found = Probe(src.name, dest.name, dest.interfaces[0].address, 22, "tcp", True, "test")
    return run_probe(backend, plan.range, found).actual


def wait_open(deployed: tuple[Backend, Plan], source: str, target: str, copy: int) -> str:
    """sshd makes its host keys at first start: give it time before judging."""
    deadline = time.monotonic() + 60
    answer = probe(deployed, source, target, copy)
    while answer != "open" and time.monotonic() < deadline:
        time.sleep(1)
        answer = probe(deployed, source, target, copy)
    return answer


@pytest.mark.parametrize("copy", [1, 2])
def test_only_the_granted_host_reaches_the_port(deployed: tuple[Backend, Plan], copy: int) -> None:
    assert wait_open(deployed, "eng", "plc", copy) == "open"
    assert probe(deployed, "office", "plc", copy) == "filtered"
    # The HMI listens too (its own neighbour reaches it), but the rule is for the PLC only.
    assert wait_open(deployed, "plc", "hmi", copy) == "open"
    assert probe(deployed, "eng", "hmi", copy) == "filtered"


def test_verify_agrees_and_proves_the_rule_both_ways(deployed: tuple[Backend, Plan]) -> None:
    backend, plan = deployed
    wait_open(deployed, "eng", "plc", 1)
    results = verify_plan(backend, plan)
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]
    by_pair = {(r.source, r.destination, r.port): r for r in results}
    for copy in (1, 2):
        c = f"{RANGE}-c{copy}-"
        assert by_pair[(c + "eng", c + "plc", 22)].expected == "allowed"
        assert by_pair[(c + "office", c + "plc", 22)].expected == "denied"
        assert by_pair[(c + "eng", c + "hmi", 22)].expected == "denied"
    assert any(r.kind == "host-rule" for r in results)
