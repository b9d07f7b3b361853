"""Who may open a terminal where: the scenario's access: grants, or the stopgap rule."""

from __future__ import annotations

from pathlib import Path

import yaml

from cyberrange.terminal_urls import terminal_urls
from range.planner import make_plan
from range.scenario.models import Scenario
from range.shell_grants import shell_grants

NO_ACCESS = """
schema: cyberrange/v1
name: grants
title: Grants without an access section
duration: 10m
tick: 10s
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 2}
networks:
  edge: {subnet: 100.64.178.0/28, scope: shared}
  lan: {subnet: "10.178.{copy}.0/24"}
hosts:
  attacker: {image: cyberrange/base, scope: shared, team: red, networks: [edge]}
  relay: {image: cyberrange/base, scope: shared, networks: [edge]}
  gw: {image: cyberrange/router, router: true, networks: [edge, lan]}
  box: {image: cyberrange/base, networks: [lan]}
  db: {image: cyberrange/base, networks: [lan]}
"""


def _hosts(scenario: Scenario, team: str) -> list[tuple[str, int]]:
    plan = make_plan(scenario, copies=None)
    return [(c.host, c.copy) for c in shell_grants(plan, scenario, team)]


def test_without_access_blue_copies_get_their_own_hosts_red_its_attack_box() -> None:
    scenario = Scenario.model_validate(yaml.safe_load(NO_ACCESS))
    assert _hosts(scenario, "blue-1") == [("box", 1), ("db", 1)]  # no router, no checker
    assert _hosts(scenario, "blue-2") == [("box", 2), ("db", 2)]
    assert _hosts(scenario, "red") == [("attacker", 0)]  # not the unowned shared relay
    assert _hosts(scenario, "blue-3") == [] and _hosts(scenario, "white") == []


def test_the_scenarios_access_shell_grants_win(root: Path) -> None:
    text = (root / "scenarios" / "dmz-breach" / "scenario.yaml").read_text(encoding="utf-8")
    scenario = Scenario.model_validate(yaml.safe_load(text)).with_copies(2)
    plan = make_plan(scenario)
    assert plan.access, "dmz-breach declares access:"
    assert [(c.host, c.copy) for c in shell_grants(plan, scenario, "blue-2")] == [
        ("db", 2),
        ("web", 2),
    ]
    assert [(c.host, c.copy) for c in shell_grants(plan, scenario, "red")] == [("attacker", 0)]
    assert shell_grants(plan, scenario, "purple") == []


def test_demo_prints_each_teams_terminal_urls(root: Path) -> None:
    text = (root / "scenarios" / "dmz-breach" / "scenario.yaml").read_text(encoding="utf-8")
    scenario = Scenario.model_validate(yaml.safe_load(text)).with_copies(2)
    lines = terminal_urls("http://h:8000", "dmz", make_plan(scenario), scenario)
    assert lines == [
        "red: http://h:8000/x/dmz/terminal/attacker/0",
        "blue-1: http://h:8000/x/dmz/terminal/db/1  http://h:8000/x/dmz/terminal/web/1",
        "blue-2: http://h:8000/x/dmz/terminal/db/2  http://h:8000/x/dmz/terminal/web/2",
    ]
