"""A small valid scenario that needs no files outside the test (external images)."""

from __future__ import annotations

BASE = """\
schema: cyberrange/v1
name: test-range
title: Test range
duration: 30m
tick: 30s
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 2}
networks:
  internet: {subnet: 198.51.100.0/24, scope: shared}
  dmz: {subnet: "10.{copy}.1.0/24"}
  internal: {subnet: "10.{copy}.2.0/24"}
hosts:
  attacker:
    image: ext/attacker
    scope: shared
    team: red
    networks: {internet: 198.51.100.10}
  gw:
    image: ext/router
    router: true
    networks: [internet, dmz, internal]
    firewall:
      default: drop
      allow:
        - {from: internet, to: dmz, ports: [80/tcp]}
  web:
    image: ext/web
    networks: {dmz: "10.{copy}.1.10"}
    services:
      - {name: shop, port: 80/tcp, check: http}
    vulnerabilities:
      - {id: sqli, title: SQL injection, cwe: CWE-89}
  db:
    image: ext/web
    networks:
      internal: "10.{copy}.2.20"
injects:
  - {at: 10m, to: blue, message: Intel report}
hints:
  - {id: quote, text: Try a quote, to: red}
scoring:
  formula: faust
external_images: [ext/attacker, ext/router, ext/web]
"""


def with_change(old: str, new: str) -> str:
    """BASE with one exact fragment replaced (the fragment must exist)."""
    assert old in BASE, old
    return BASE.replace(old, new, 1)
