"""Scenarios of the swarm tests (address space 10.91-10.99.x, only inside test swarms)."""

from __future__ import annotations

from pathlib import Path

SPREAD = """\
schema: cyberrange/v1
name: {name}
title: Swarm test range, one copy per node
duration: 10m
tick: 10s
teams:
  - {{name: red, role: red}}
  - {{name: blue, role: blue, copies: {copies}}}
networks:
  edge:  {{subnet: 10.97.0.0/24, scope: shared}}
  front: {{subnet: "10.9{{copy}}.1.0/24"}}
  back:  {{subnet: "10.9{{copy}}.2.0/24"}}
hosts:
  attacker:
    image: cyberrange/base
    scope: shared
    team: red
    networks: {{edge: 10.97.0.10}}
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
    networks: {{front: "10.9{{copy}}.1.10"}}
    services:
      - {{name: ssh, port: 22/tcp, check: tcp}}
  db:
    image: cyberrange/base
    networks: {{back: "10.9{{copy}}.2.20"}}
"""

IMAGES = ("cyberrange/base", "cyberrange/router", "cyberrange/target", "cyberrange/checker")


def write_spread(directory: Path, name: str = "h11sw-spread", copies: int = 3) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(SPREAD.format(name=name, copies=copies))
    return path
