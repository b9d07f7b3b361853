"""Firewall rules that match hosts and addresses: plan, nft text, reach, probes, CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from plan_scenarios import DMZ, WATER, edit, scenario  # type: ignore[import-not-found]

from cyberrange.cli import cli
from range.errors import PlanError
from range.plan import Plan
from range.planner import make_plan
from range.reach import Reach, probe_set, reachability
from range.scenario.models import Scenario


def accepts(plan: Plan, host: str, copy: int) -> list[tuple[str | None, ...]]:
    rules = plan.container(host, copy).firewall
    return [
        (r.source, r.destination, r.protocol, ",".join(map(str, r.ports)))
        for r in rules
        if r.action == "accept"
    ]


def with_rules(text: str, router: str, *rules: dict[str, object]) -> Scenario:
    data = edit(text)
    data["hosts"][router]["firewall"]["allow"] = list(rules)  # type: ignore[index]
    return Scenario.model_validate(data)


def test_a_host_means_its_address_in_the_routers_copy() -> None:
    plan = make_plan(scenario(WATER))
    for copy in (1, 2):
        assert accepts(plan, "gw", copy) == [
            (f"10.{copy}.10.20/32", f"10.{copy}.20.10/32", "tcp", "502")
        ]


def test_literal_addresses_and_cidrs_expand_copy() -> None:
    rule = {"from": "10.{copy}.10.16/28", "to": "10.{copy}.20.10", "ports": ["502/tcp"]}
    plan = make_plan(with_rules(WATER, "gw", rule, {"from": "0.0.0.0/0", "to": "plc"}))
    assert accepts(plan, "gw", 2) == [
        ("10.2.10.16/28", "10.2.20.10/32", "tcp", "502"),
        ("0.0.0.0/0", "10.2.20.10/32", None, ""),
    ]


def test_a_shared_router_means_every_copys_host() -> None:
    data = edit(DMZ)
    data["networks"]["outside"] = {"subnet": "203.0.113.0/24", "scope": "shared"}  # type: ignore[index]
    data["hosts"]["edge"] = {  # type: ignore[index]
        "image": "cyberrange/router",
        "scope": "shared",
        "router": True,
        "networks": ["internet", "outside"],
        "firewall": {"allow": [{"from": "web", "to": "outside", "ports": ["443/tcp"]}]},
    }
    plan = make_plan(Scenario.model_validate(data))
    assert accepts(plan, "edge", 0) == [
        ("10.1.1.10/32", "203.0.113.0/24", "tcp", "443"),
        ("10.2.1.10/32", "203.0.113.0/24", "tcp", "443"),
    ]


def test_a_bad_literal_is_a_plan_error_naming_the_rule() -> None:
    bad = with_rules(WATER, "gw", {"from": "eng", "to": "10.1.20.10/24"})
    with pytest.raises(PlanError, match=r"hosts\.gw\.firewall\.allow\.0\.to: .*host bits set"):
        make_plan(bad)


def find(reaches: list[Reach], source: str, destination: str, port: int | None) -> Reach:
    [found] = [
        r for r in reaches if (r.source, r.destination, r.port) == (source, destination, port)
    ]
    return found


def test_reach_shows_the_granted_host_and_only_it() -> None:
    reaches = reachability(make_plan(scenario(WATER)))
    granted = find(reaches, "water-c1-eng", "water-c1-plc", 502)
    assert granted.allowed and granted.path == ("water-c1-eng", "water-c1-gw", "water-c1-plc")
    office = find(reaches, "water-c1-office", "water-c1-plc", 502)
    assert not office.allowed and office.reason == "dropped by water-c1-gw"
    assert not find(reaches, "water-c1-eng", "water-c1-hmi", 502).allowed
    assert not find(reaches, "water-c1-eng", "water-c1-plc", None).allowed


@pytest.mark.parametrize(("granted", "other"), [("plc", "hmi"), ("hmi", "plc")])
def test_probes_prove_a_host_rule_both_ways(granted: str, other: str) -> None:
    rule = {"from": "eng", "to": granted, "ports": ["502/tcp"]}
    probes = probe_set(make_plan(with_rules(WATER, "gw", rule)))
    found = {(p.source, p.destination, p.port): p.expect_allowed for p in probes}
    for copy in (1, 2):
        c = f"water-c{copy}-"
        assert found[(c + "eng", c + granted, 502)] is True
        assert found[(c + "office", c + granted, 502)] is False
        assert found[(c + "eng", c + other, 502)] is False
    assert len(found) == len(probes), "no probe twice"


def test_plan_reach_shows_the_difference(tmp_path: Path) -> None:
    path = tmp_path / "water.yaml"
    path.write_text(WATER, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["plan", str(path), "--reach"], catch_exceptions=False, env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.stderr
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert rows["eng@1"].count("allowed") == 1
    assert "allowed" not in rows["office@1"]


def test_literal_rules_cannot_open_a_way_between_copies() -> None:
    rules = (
        {"from": "internet", "to": "0.0.0.0/0"},
        {"from": "dmz", "to": "10.2.1.10"},
        {"from": "0.0.0.0/0", "to": "198.51.100.0/24"},
    )
    plan = make_plan(with_rules(DMZ, "gw", *rules), copies=3)  # the isolation check passes
    copy_of = {c.name: c.copy for c in plan.containers}
    crossing = [
        r
        for r in reachability(plan)
        if r.allowed and 0 < copy_of[r.source] != copy_of[r.destination] > 0
    ]
    assert crossing == []
