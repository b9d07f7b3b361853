"""Helpers of the range-engine integration tests: scenarios, plans, label counts.

Address space of this area (never used by other test areas): 10.41-10.49.x and
100.64.40.0/24 (split in /26 blocks so two of our ranges can run at once).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from range.backends import get_backend
from range.backends.base import Backend
from range.config import Settings
from range.plan import (
    ContainerPlan,
    FirewallRulePlan,
    Interface,
    NetworkPlan,
    Plan,
    Route,
    ServicePlan,
)
from range.planner import make_plan
from range.scenario.loader import load

PREFIX = "h4be"
ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Deployed:
    """A range deployed by a fixture, with the settings and database it lives in."""

    settings: Settings
    engine: Engine
    plan: Plan
    scenario: Path


FIREWALLED = """\
schema: cyberrange/v1
name: {name}
title: Backend test range with a router and a firewall
duration: 10m
tick: 10s
teams:
  - {{name: red, role: red}}
  - {{name: blue, role: blue, copies: {copies}}}
networks:
  edge:  {{subnet: {shared}, scope: shared}}
  front: {{subnet: "10.4{{copy}}.{octet}.0/24"}}
  back:  {{subnet: "10.4{{copy}}.{octet2}.0/24"}}
hosts:
  attacker:
    image: cyberrange/base
    scope: shared
    team: red
    networks: {{edge: {attacker}}}
  gw:
    image: cyberrange/router
    router: true
    networks: [edge, front, back]
    firewall:
      default: drop
      allow:
        - {{from: edge, to: front, ports: [22/tcp]}}
        - {{from: front, to: back, ports: [2222/tcp]}}
  web:
    image: cyberrange/target
    networks: {{front: "10.4{{copy}}.{octet}.10"}}
    services:
      - {{name: ssh, port: 22/tcp, check: tcp}}
  db:
    image: cyberrange/base
    networks: {{back: "10.4{{copy}}.{octet2}.20"}}
"""

# Blocks of 100.64.40.0/24 by use, so ranges of different tests never overlap.
SHARED_BLOCKS = {
    "main": ("100.64.40.0/26", "100.64.40.10"),
    "kill": ("100.64.40.64/26", "100.64.40.74"),
    "conflict": ("100.64.40.128/27", "100.64.40.138"),
    "busy": ("100.64.40.160/27", "100.64.40.170"),
}
OCTETS = {"main": 1, "kill": 3, "conflict": 5, "busy": 7}


def write_firewalled(directory: Path, use: str, copies: int = 2) -> Path:
    """A scenario file with a router and a firewall, in this area's address space."""
    shared, attacker = SHARED_BLOCKS[use]
    octet = OCTETS[use]
    text = FIREWALLED.format(
        name=f"{PREFIX}-{use}",
        copies=copies,
        shared=shared,
        attacker=attacker,
        octet=octet,
        octet2=octet + 1,
    )
    path = directory / f"{use}.yaml"
    path.write_text(text)
    return path


def labeled(kind: str, range_name: str) -> list[str]:
    """Names/ids of engine objects of a kind carrying the range label."""
    args = ["docker", kind, "ls", "-q", "--filter", f"label=cyberrange.range={range_name}"]
    if kind == "container":
        args.insert(3, "-a")
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return out.split()


def leftovers(range_name: str) -> dict[str, list[str]]:
    found = {kind: labeled(kind, range_name) for kind in ("container", "network", "volume")}
    return {kind: names for kind, names in found.items() if names}


def docker_json(*args: str) -> list[dict[str, object]]:
    out = subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout
    data: list[dict[str, object]] = json.loads(out)
    return data


def small_plan(range_name: str, octet: int = 43) -> Plan:
    """A hand-made plan: two networks, a router with a firewall, one host on each side."""
    a = NetworkPlan(f"{range_name}-c1-a", "a", 1, f"10.{octet}.1.0/24", f"10.{octet}.1.1")
    b = NetworkPlan(f"{range_name}-c1-b", "b", 1, f"10.{octet}.2.0/24", f"10.{octet}.2.1")
    gw = ContainerPlan(
        name=f"{range_name}-c1-gw",
        host="gw",
        copy=1,
        image="cyberrange/router",
        hostname="gw",
        interfaces=(Interface(a.name, f"10.{octet}.1.2"), Interface(b.name, f"10.{octet}.2.2")),
        capabilities=("NET_ADMIN",),
        sysctls={"net.ipv4.ip_forward": "1"},
        router=True,
        firewall_default="drop",
        firewall=(
            FirewallRulePlan(
                "accept", f"10.{octet}.1.0/24", f"10.{octet}.2.0/24", "tcp", (22,), "a to b ssh"
            ),
        ),
        role="router",
    )
    x = ContainerPlan(
        name=f"{range_name}-c1-x",
        host="x",
        copy=1,
        image="cyberrange/base",
        hostname="x",
        interfaces=(Interface(a.name, f"10.{octet}.1.10"),),
        routes=(Route(f"10.{octet}.2.0/24", f"10.{octet}.1.2"),),
    )
    y = ContainerPlan(
        name=f"{range_name}-c1-y",
        host="y",
        copy=1,
        image="cyberrange/target",
        hostname="y",
        interfaces=(Interface(b.name, f"10.{octet}.2.10"),),
        routes=(Route(f"10.{octet}.1.0/24", f"10.{octet}.2.2"),),
        services=(ServicePlan("ssh", 22, "tcp"),),
    )
    return Plan(range_name, "small", 1, (a, b), (gw, x, y))


@contextmanager
def deployed_text(folder: Path, text: str, range_name: str) -> Iterator[tuple[Backend, Plan]]:
    """A scenario given as text, planned and applied (no provisioning); removed afterwards."""
    path = folder / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    plan = make_plan(load(path, ROOT).scenario, range_name=range_name)
    backend = get_backend(Settings(data_dir=folder / "data", root=ROOT))
    backend.destroy(range_name)  # leftovers of an interrupted earlier run
    try:
        backend.apply(plan)
        yield backend, plan
    finally:
        backend.destroy(range_name)
