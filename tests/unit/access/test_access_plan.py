"""`access:` in the scenario language, the plan's grants and what VPN clients reach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from range.errors import ScenarioError
from range.planner import make_plan
from range.reach_vpn import vpn_reachability
from range.scenario.loader import load, load_text
from range.state import plan_from_dict

ROOT = Path(__file__).resolve().parents[3]
DMZ = ROOT / "scenarios" / "dmz-breach" / "scenario.yaml"

HELLO = """\
schema: cyberrange/v1
name: hello
title: Hello
duration: 10m
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 2}
networks:
  out: {subnet: 198.51.100.0/24, scope: shared}
  lan: {subnet: "10.{copy}.0.0/24"}
hosts:
  kali: {image: cyberrange/attacker, scope: shared, team: red, networks: [out]}
  box: {image: cyberrange/target, networks: [lan]}
access:
"""


def problems(access: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_text(HELLO + access, "s.yaml", ROOT, ROOT)
    return [f"{p.line}:{p.column}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize(
    ("access", "expected"),
    [
        ("  blue: {vpn: [lna]}\n", "15:16: access grants undeclared network 'lna'"),
        ("  blue: {shell: [bx]}\n", "15:18: access grants undeclared host 'bx'"),
        ("  blue: {vpn: [lan, lan]}\n", "15:21: network 'lan' is granted twice"),
        ("  blue: {vpn: [out]}\n", "15:16: defending team 'blue' is granted shared network"),
        ("  red: {vpn: [lan]}\n", "15:15: team 'red' (red) has no copy of its own"),
        ("  red: {shell: [box]}\n", "15:17: team 'red' (red) has no copy of its own"),
        ("  green: {}\n", "15:3: access for 'green', which is no team and no role"),
        ("  purple: {}\n", "15:3: access for role 'purple', but no team has it"),
        ("  blue: {vnp: [lan]}\n", "15:10: unknown key 'vnp'"),
    ],
)
def test_access_errors_name_file_line_column(access: str, expected: str) -> None:
    found = problems(access)
    assert any(p.startswith(expected) for p in found), found


def test_grants_per_team_copy_with_return_routes_and_round_trip() -> None:
    loaded = load_text(
        HELLO + "  red: {vpn: [out]}\n  blue: {vpn: [lan], shell: [box]}\n", "s.yaml", ROOT, ROOT
    )
    plan = make_plan(loaded.scenario, range_name="acc")
    assert [(g.team, g.copy, g.index) for g in plan.access] == [
        ("red", 0, 1),
        ("blue-1", 1, 2),
        ("blue-2", 2, 3),
    ]
    blue2 = plan.grant("blue-2")
    assert [(n.name, n.subnet, n.gateway) for n in blue2.networks] == [
        ("acc-c2-lan", "10.2.0.0/24", "10.2.0.1")
    ]
    assert [(h.host, h.container) for h in blue2.hosts] == [("box", "acc-c2-box")]
    box2 = plan.container("box", 2)
    assert [(r.destination, r.via) for r in box2.routes] == [(blue2.client_subnet, "10.2.0.1")]
    assert plan.container("checker", 2).routes == ()
    kali = plan.container("kali", 0)
    assert [(r.destination, r.via) for r in kali.routes] == [
        (plan.grant("red").client_subnet, "198.51.100.1")
    ]
    assert plan_from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_vpn_clients_reach_their_own_copy_only() -> None:
    plan = make_plan(load(DMZ, ROOT).scenario, copies=3)
    reaches = vpn_reachability(plan)
    where = {c.name: c for c in plan.containers}
    for reach in reaches:
        team = reach.source.removeprefix("vpn:")
        grant = plan.grant(team)
        target = where[reach.destination]
        if reach.allowed:
            granted = {n.name for n in grant.networks}
            assert {i.network for i in target.interfaces} & granted, reach
            assert target.role != "checker"
            if grant.copy:
                assert target.copy == grant.copy, reach
    blue1 = {r.destination for r in reaches if r.source == "vpn:blue-1" and r.allowed}
    assert blue1 == {"dmz-breach-c1-web", "dmz-breach-c1-db", "dmz-breach-c1-gw"}
    red = {r.destination for r in reaches if r.source == "vpn:red" and r.allowed}
    assert "dmz-breach-attacker" in red and not any("c1-web" in d for d in red)


def test_plan_reach_json_lists_vpn_rows(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cyberrange.cli import cli

    result = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path), "plan", str(DMZ), "--reach", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["vpn"]
    assert {r["team"] for r in rows} == {"red", "blue-1", "blue-2"}
    assert any(
        r["team"] == "blue-2" and r["destination"] == "dmz-breach-c2-db" and r["allowed"]
        for r in rows
    )


def test_config_errors_name_the_problem_before_touching_the_host(tmp_path: Path) -> None:
    from range.access.service import client_config, revoke
    from range.config import Settings
    from range.errors import AccessError

    plan = make_plan(load(DMZ, ROOT).scenario)
    settings = Settings(data_dir=tmp_path, root=ROOT)
    with pytest.raises(AccessError, match="has no team"):
        client_config(settings, plan, "trainer", None)
    with pytest.raises(AccessError, match=r"team blue-9 of bob has no VPN access .*red, blue-1"):
        client_config(settings, plan, "bob", "blue-9")
    with pytest.raises(AccessError, match="no VPN access to range dmz-breach to revoke"):
        revoke(settings, "dmz-breach", "bob")
    assert not (tmp_path / "access").exists()  # nothing written for a refused request
