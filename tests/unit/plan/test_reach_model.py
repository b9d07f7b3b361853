"""Reachability: firewall verdicts, multi-hop pivots, copy isolation, probes."""

from __future__ import annotations

import pytest
from plan_scenarios import DMZ, PIVOT, edit  # type: ignore[import-not-found]

from range.errors import PlanError
from range.plan import Plan
from range.planner import make_plan
from range.reach import Reach, probe_set, reachability
from range.scenario.models import Scenario


def _find(reaches: list[Reach], source: str, destination: str, port: int | None) -> Reach:
    found = [r for r in reaches if (r.source, r.destination, r.port) == (source, destination, port)]
    assert len(found) == 1, found
    return found[0]


def test_pivot_through_two_routers(pivot_plan: Plan) -> None:
    reaches = reachability(pivot_plan)
    to_web = _find(reaches, "pivot-attacker", "pivot-c1-web", 80)
    assert to_web.allowed and to_web.path == ("pivot-attacker", "pivot-c1-edge", "pivot-c1-web")
    # edge lets 5432 towards internal through, but core does not: every router counts
    to_db = _find(reaches, "pivot-attacker", "pivot-c1-db", 5432)
    assert not to_db.allowed
    assert to_db.path == ("pivot-attacker", "pivot-c1-edge", "pivot-c1-core")
    assert to_db.reason == "dropped by pivot-c1-core"
    web_db = _find(reaches, "pivot-c1-web", "pivot-c1-db", 5432)
    assert web_db.allowed and web_db.path == ("pivot-c1-web", "pivot-c1-core", "pivot-c1-db")
    assert not _find(reaches, "pivot-attacker", "pivot-c1-web", None).allowed


def test_dmz_breach_expectations(dmz_plan: Plan) -> None:
    reaches = reachability(dmz_plan)
    assert _find(reaches, "dmz-breach-attacker", "dmz-breach-c2-web", 80).allowed
    assert not _find(reaches, "dmz-breach-attacker", "dmz-breach-c2-db", 5432).allowed
    assert _find(reaches, "dmz-breach-c1-web", "dmz-breach-c1-db", 5432).allowed
    # replies are implied, new connections from the dmz to the internet are not
    assert not _find(reaches, "dmz-breach-c1-web", "dmz-breach-attacker", None).allowed
    direct = _find(reaches, "dmz-breach-c1-checker", "dmz-breach-c1-db", None)
    assert direct.allowed and direct.protocol == "any" and direct.reason == "direct"


def test_copies_never_reach_each_other_in_the_model(dmz: Scenario) -> None:
    plan = make_plan(dmz, copies=3)
    for reach in reachability(plan):
        copies = {
            plan.container_named(reach.source).copy,
            plan.container_named(reach.destination).copy,
        }
        if 0 not in copies and len(copies) == 2:
            assert not reach.allowed, reach


def test_router_sources_are_dropped_by_other_copies_routers(dmz_plan: Plan) -> None:
    reaches = reachability(dmz_plan)
    gw_to_gw = _find(reaches, "dmz-breach-c1-gw", "dmz-breach-c2-gw", None)
    assert not gw_to_gw.allowed and gw_to_gw.reason == "dropped by dmz-breach-c2-gw (input)"


def test_accept_all_router_alone_keeps_copies_apart() -> None:
    data = edit(DMZ)
    data["hosts"]["gw"]["firewall"] = {"default": "accept"}  # type: ignore[index]
    plan = make_plan(Scenario.model_validate(data))
    web_to_gw2 = [
        r
        for r in reachability(plan)
        if r.source == "dmz-breach-c1-web" and r.destination == "dmz-breach-c2-gw"
    ]
    assert web_to_gw2 and not any(r.allowed for r in web_to_gw2)


def test_a_per_copy_host_on_the_shared_network_is_refused() -> None:
    data = edit(DMZ)
    data["hosts"]["gw"]["firewall"] = {"default": "accept"}  # type: ignore[index]
    data["hosts"]["web"]["networks"] = ["dmz", "internet"]  # type: ignore[index]
    with pytest.raises(PlanError, match="copies 1 and 2 can reach each other") as caught:
        make_plan(Scenario.model_validate(data))
    message = str(caught.value)
    assert "reaches dmz-breach-c2-web at 198.51.100." in message
    assert "hosts.web.networks.internet" in message
    # a single copy has nobody to meet
    assert make_plan(Scenario.model_validate(data), copies=1).copies == 1


def test_probe_set_is_small_and_covers_the_expectations(dmz_plan: Plan) -> None:
    probes = probe_set(dmz_plan)
    assert probes == probe_set(dmz_plan)
    assert len(probes) < 80
    keys = {(p.source, p.destination, p.port, p.expect_allowed) for p in probes}
    assert ("dmz-breach-attacker", "dmz-breach-c1-web", 80, True) in keys
    assert ("dmz-breach-attacker", "dmz-breach-c1-db", 5432, False) in keys
    assert ("dmz-breach-c1-web", "dmz-breach-c1-db", 5432, True) in keys
    assert ("dmz-breach-c1-checker", "dmz-breach-c1-db", 5432, True) in keys
    others = [p for p in probes if p.kind == "other"]
    assert others and not any(p.expect_allowed for p in others if "attacker" in p.source)
    copy_probes = [p for p in probes if p.kind == "copy"]
    assert copy_probes and not any(p.expect_allowed for p in copy_probes)
    assert {p.source.split("-")[2] for p in copy_probes} == {"c1", "c2"}
    plain = [p for p in probes if p.kind != "copy"]
    dedupe = {(p.source, p.address.rsplit(".", 1)[0], p.protocol, p.port) for p in plain}
    assert len(dedupe) == len(plain)


def test_probe_set_of_one_copy_has_no_copy_probes() -> None:
    data = edit(PIVOT)
    plan = make_plan(Scenario.model_validate(data), copies=1)
    assert not [p for p in probe_set(plan) if p.kind == "copy"]


def test_probes_are_tcp_only_but_udp_rules_are_modelled() -> None:
    data = edit(DMZ)
    data["hosts"]["web"]["services"].append({"name": "dns", "port": "53/udp"})  # type: ignore[index]
    data["hosts"]["gw"]["firewall"]["allow"].append(  # type: ignore[index]
        {"from": "internet", "to": "dmz", "ports": ["53/udp"]}
    )
    plan = make_plan(Scenario.model_validate(data))
    assert {p.protocol for p in probe_set(plan)} == {"tcp"}
    dns = [
        r
        for r in reachability(plan)
        if (r.source, r.destination, r.port) == ("dmz-breach-attacker", "dmz-breach-c1-web", 53)
    ]
    assert [(r.protocol, r.allowed) for r in dns] == [("udp", True)]
