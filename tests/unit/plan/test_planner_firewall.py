"""Router firewall rules: isolation drops first, then the scenario's allow rules."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from plan_scenarios import DMZ, edit  # type: ignore[import-not-found]

from range.plan import HOOK_FORWARD, HOOK_INPUT, Plan
from range.planner import make_plan
from range.scenario.models import Scenario


def test_allow_rules_in_nftables_terms(dmz_plan: Plan) -> None:
    rules = [r for r in dmz_plan.container("gw", 2).firewall if r.action == "accept"]
    assert [(r.source, r.destination, r.protocol, r.ports) for r in rules] == [
        ("198.51.100.0/24", "10.2.1.0/24", "tcp", (80, 22)),
        ("10.2.1.0/24", "10.2.2.0/24", "tcp", (5432,)),
    ]
    assert all(r.hooks == (HOOK_FORWARD,) for r in rules)


def test_empty_ports_mean_any_and_protocols_are_split() -> None:
    data = edit(DMZ)
    data["hosts"]["gw"]["firewall"] = {  # type: ignore[index]
        "default": "accept",
        "allow": [
            {"from": "dmz", "to": "internet"},
            {"from": "internet", "to": "dmz", "ports": ["53/udp", "80/tcp", "53/tcp"]},
        ],
    }
    gw = make_plan(Scenario.model_validate(data)).container("gw", 1)
    accepts = [(r.source, r.destination, r.protocol, r.ports) for r in gw.firewall][-3:]
    assert accepts == [
        ("10.1.1.0/24", "198.51.100.0/24", None, ()),
        ("198.51.100.0/24", "10.1.1.0/24", "udp", (53,)),
        ("198.51.100.0/24", "10.1.1.0/24", "tcp", (80, 53)),
    ]
    assert gw.firewall_default == "accept"


def test_isolation_drops_come_first_and_cover_every_other_copy(dmz: Scenario) -> None:
    plan = make_plan(dmz, copies=5)
    shared = {
        c.copy: IPv4Address(c.address_on("dmz-breach-internet") or "")
        for c in plan.containers
        if c.host == "gw"
    }
    for copy in range(1, 6):
        rules = plan.container("gw", copy).firewall
        drops = [r for r in rules if r.action == "drop"]
        assert rules[: len(drops)] == tuple(drops), "isolation drops must come first"
        by_source = [r for r in drops if r.source is not None]
        by_destination = [r for r in drops if r.destination is not None]
        assert all(r.hooks == (HOOK_INPUT, HOOK_FORWARD) for r in by_source)
        assert all(r.hooks == (HOOK_FORWARD,) for r in by_destination)
        for rules_of_one_kind, field in ((by_source, "source"), (by_destination, "destination")):
            blocks = [IPv4Network(getattr(r, field)) for r in rules_of_one_kind]
            covered = {a for a in shared.values() if any(a in b for b in blocks)}
            assert covered == {a for c, a in shared.items() if c != copy}
            # collapsed blocks: never the whole shared subnet, never the attacker
            assert IPv4Address("198.51.100.10") not in covered


def test_router_without_firewall_drops_by_default() -> None:
    data = edit(DMZ)
    del data["hosts"]["gw"]["firewall"]  # type: ignore[attr-defined]
    gw = make_plan(Scenario.model_validate(data)).container("gw", 1)
    assert gw.firewall_default == "drop"
    assert all(r.action == "drop" for r in gw.firewall)
