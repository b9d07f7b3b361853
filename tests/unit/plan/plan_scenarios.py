"""Scenario texts for the plan tests (built in memory, validated by the models)."""

from __future__ import annotations

import yaml

from range.scenario.models import Scenario

DMZ = """
schema: cyberrange/v1
name: dmz-breach
title: DMZ
duration: 90m
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 2}
networks:
  internet: {subnet: 198.51.100.0/24, scope: shared}
  dmz:      {subnet: "10.{copy}.1.0/24"}
  internal: {subnet: "10.{copy}.2.0/24"}
hosts:
  attacker:
    image: cyberrange/attacker
    scope: shared
    team: red
    networks: {internet: 198.51.100.10}
  gw:
    image: cyberrange/router
    router: true
    networks: [internet, dmz, internal]
    firewall:
      default: drop
      allow:
        - {from: internet, to: dmz, ports: [80/tcp, 22/tcp]}
        - {from: dmz, to: internal, ports: [5432/tcp]}
  web:
    image: cyberrange/web
    networks: {dmz: "10.{copy}.1.10"}
    services:
      - {name: shop, port: 80/tcp}
  db:
    image: cyberrange/db
    networks: {internal: "10.{copy}.2.20"}
    services:
      - {name: postgres, port: 5432/tcp}
"""

# Two routers in a row: attacker -> edge -> dmz -> core -> internal.
PIVOT = """
schema: cyberrange/v1
name: pivot
title: Pivot
duration: 1h
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 2}
networks:
  internet: {subnet: 203.0.113.0/24, scope: shared}
  dmz:      {subnet: "10.{copy}.1.0/24"}
  internal: {subnet: "10.{copy}.2.0/24"}
hosts:
  attacker:
    image: cyberrange/attacker
    scope: shared
    networks: [internet]
  edge:
    image: cyberrange/router
    router: true
    networks: [internet, dmz]
    firewall:
      allow:
        - {from: internet, to: dmz, ports: [80/tcp]}
        - {from: internet, to: internal, ports: [5432/tcp]}
  core:
    image: cyberrange/router
    router: true
    networks: [dmz, internal]
    firewall:
      allow:
        - {from: dmz, to: internal, ports: [5432/tcp]}
  web:
    image: cyberrange/web
    networks: [dmz]
    services: [{name: shop, port: 80/tcp}]
  db:
    image: cyberrange/db
    networks: [internal]
    services: [{name: postgres, port: 5432/tcp}]
"""

# Host-restricted rules: only the engineering workstation reaches the PLC's
# Modbus port; the office PC on the same network does not, nor does eng reach the HMI.
WATER = """
schema: cyberrange/v1
name: water
title: Water utility
duration: 1h
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 2}
networks:
  corp: {subnet: "10.{copy}.10.0/24"}
  ot:   {subnet: "10.{copy}.20.0/24"}
hosts:
  gw:
    image: cyberrange/router
    router: true
    networks: [corp, ot]
    firewall:
      default: drop
      allow:
        - {from: eng, to: plc, ports: [502/tcp]}
  eng:
    image: cyberrange/target
    networks: {corp: "10.{copy}.10.20"}
  office:
    image: cyberrange/target
    networks: {corp: "10.{copy}.10.30"}
  plc:
    image: cyberrange/target
    networks: {ot: "10.{copy}.20.10"}
    services: [{name: modbus, port: 502/tcp}]
  hmi:
    image: cyberrange/target
    networks: {ot: "10.{copy}.20.11"}
    services: [{name: modbus, port: 502/tcp}]
"""


def scenario(text: str, **changes: object) -> Scenario:
    """Validate ``text``; ``changes`` replace top-level keys first."""
    data = yaml.safe_load(text)
    data.update(changes)
    return Scenario.model_validate(data)


def edit(text: str) -> dict[str, object]:
    """The plain data of a scenario text, to change before validating."""
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data
