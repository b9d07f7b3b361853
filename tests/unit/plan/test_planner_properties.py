"""Property tests: random topologies either plan with isolated copies or are refused."""

from __future__ import annotations

from ipaddress import ip_address, ip_network
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from range.errors import PlanError
from range.plan import Plan
from range.planner import draft_plan, make_plan
from range.reach import reachability
from range.scenario.models import Scenario

NETWORKS = ["internet", "dmz", "internal", "ops"]  # internet is shared


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    hosts: dict[str, Any] = {
        "attacker": {"image": "cyberrange/attacker", "scope": "shared", "networks": ["internet"]}
    }
    for index in range(draw(st.integers(1, 3))):
        joined = draw(st.lists(st.sampled_from(NETWORKS), min_size=2, max_size=3, unique=True))
        rules = draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "from": st.sampled_from(NETWORKS),
                        "to": st.sampled_from(NETWORKS),
                        "ports": st.lists(st.sampled_from(["22/tcp", "80/tcp", "53/udp"])),
                    }
                ),
                max_size=3,
            )
        )
        default = draw(st.sampled_from(["accept", "drop"]))
        hosts[f"r{index}"] = {
            "image": "cyberrange/router",
            "router": True,
            "networks": joined,
            "firewall": {"default": default, "allow": rules},
        }
    for index in range(draw(st.integers(1, 3))):
        joined = draw(st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=2, unique=True))
        hosts[f"h{index}"] = {
            "image": "cyberrange/target",
            "networks": joined,
            "services": [{"name": "svc", "port": "80/tcp"}],
        }
    return {
        "schema": "cyberrange/v1",
        "name": "plan-prop",
        "title": "random",
        "duration": "1h",
        "teams": [{"name": "blue", "role": "blue", "copies": draw(st.integers(1, 3))}],
        "networks": {
            "internet": {"subnet": "198.51.100.0/24", "scope": "shared"},
            "dmz": {"subnet": "10.{copy}.1.0/24"},
            "internal": {"subnet": "10.{copy}.2.0/24"},
            "ops": {"subnet": "10.{copy}.3.0/24"},
        },
        "hosts": hosts,
    }


def _check_routes(plan: Plan) -> None:
    routers = {c.name: c for c in plan.containers if c.router}
    for container in plan.containers:
        subnets = [ip_network(plan.network(i.network).subnet) for i in container.interfaces]
        for route in container.routes:
            via = ip_address(route.via)
            assert any(via in subnet for subnet in subnets), "next hop must be on-link"
            owners = [
                r for r in routers.values() if any(i.address == route.via for i in r.interfaces)
            ]
            assert owners, f"{route.via} is no router's address"
            assert not any(ip_network(route.destination) == s for s in subnets)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_copies_are_isolated_or_the_plan_is_refused(data: dict[str, Any]) -> None:
    scenario = Scenario.model_validate(data)
    try:
        plan = make_plan(scenario)
    except PlanError as exc:
        assert "can reach each other" in str(exc)
        assert scenario.copy_count() >= 2
        # the refusal is justified: the unchecked plan lets two copies meet
        draft = draft_plan(scenario)
        copy_of = {c.name: c.copy for c in draft.containers}
        assert any(
            r.allowed and 0 < copy_of[r.source] != copy_of[r.destination] > 0
            for r in reachability(draft)
        )
        return
    _check_routes(plan)
    copy_of = {c.name: c.copy for c in plan.containers}
    for reach in reachability(plan):
        copies = {copy_of[reach.source], copy_of[reach.destination]}
        if reach.allowed and 0 not in copies:
            assert len(copies) == 1, reach
    # a per-copy host on the shared network meets its twin in the other copies
    on_shared = any(
        not c.router and c.copy > 0 and any(i.network == "plan-prop-internet" for i in c.interfaces)
        for c in plan.containers
    )
    assert not (on_shared and plan.copies >= 2)
