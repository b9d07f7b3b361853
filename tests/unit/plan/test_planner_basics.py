"""Planner: determinism, names, labels, addresses, limits, refusals."""

from __future__ import annotations

import json
import re

import pytest
from plan_scenarios import DMZ, PIVOT, edit, scenario  # type: ignore[import-not-found]

from range.errors import PlanError
from range.plan import (
    LABEL_COPY,
    LABEL_HOST,
    LABEL_NETWORK,
    LABEL_RANGE,
    LABEL_ROLE,
    Plan,
)
from range.planner import make_plan
from range.scenario.models import Scenario


def test_same_scenario_gives_the_same_plan_and_json(dmz: Scenario) -> None:
    first, second = make_plan(dmz), make_plan(dmz)
    assert first == second
    text = json.dumps(first.to_dict(), sort_keys=True)
    assert text == json.dumps(second.to_dict(), sort_keys=True)
    assert json.loads(text)["copies"] == 2


def test_object_names_and_copies(dmz_plan: Plan) -> None:
    assert [n.name for n in dmz_plan.networks] == [
        "dmz-breach-internet",
        "dmz-breach-c1-dmz",
        "dmz-breach-c1-internal",
        "dmz-breach-c2-dmz",
        "dmz-breach-c2-internal",
    ]
    names = [c.name for c in dmz_plan.containers]
    assert names[0] == "dmz-breach-attacker"
    assert "dmz-breach-c2-web" in names and "dmz-breach-c1-checker" in names
    web = dmz_plan.container("web", 2)
    assert (web.copy, web.hostname, web.image) == (2, "web", "cyberrange/web")
    assert dmz_plan.container("attacker", 0).copy == 0


def test_range_name_and_copies_override(dmz: Scenario) -> None:
    plan = make_plan(dmz, range_name="plan-test", copies=3)
    assert plan.range == "plan-test" and plan.scenario == "dmz-breach" and plan.copies == 3
    assert plan.network("plan-test-c3-dmz").subnet == "10.3.1.0/24"
    assert {c.copy for c in plan.containers} == {0, 1, 2, 3}


def test_bad_range_name_and_copies_are_refused(dmz: Scenario) -> None:
    with pytest.raises(PlanError, match="range name"):
        make_plan(dmz, range_name="Bad Name")
    with pytest.raises(PlanError, match="at least 1"):
        make_plan(dmz, copies=0)


def test_every_object_is_labeled(dmz_plan: Plan) -> None:
    for network in dmz_plan.networks:
        assert network.labels == {
            LABEL_RANGE: "dmz-breach",
            LABEL_COPY: str(network.copy),
            LABEL_NETWORK: network.network,
        }
    for container in dmz_plan.containers:
        assert container.labels[LABEL_RANGE] == "dmz-breach"
        assert container.labels[LABEL_COPY] == str(container.copy)
        assert container.labels[LABEL_HOST] == container.host
        assert container.labels[LABEL_ROLE] == container.role


def test_gateway_is_kept_and_declared_addresses_are_used(dmz_plan: Plan) -> None:
    dmz = dmz_plan.network("dmz-breach-c2-dmz")
    assert dmz.gateway == "10.2.1.1" and dmz.internal
    assert dmz_plan.container("web", 2).interfaces[0].address == "10.2.1.10"
    assert dmz_plan.container("attacker", 0).interfaces[0].address == "198.51.100.10"


def test_omitted_addresses_take_the_lowest_free_in_host_order() -> None:
    data = edit(DMZ)
    hosts = data["hosts"]
    assert isinstance(hosts, dict)
    hosts["web"]["networks"] = {"dmz": "10.{copy}.1.2"}  # takes the lowest one
    hosts["app"] = {"image": "cyberrange/web", "networks": ["dmz"]}
    plan = make_plan(Scenario.model_validate(data))
    # gw and app were omitted: sorted by host name (app < gw), skipping .2 (web's)
    assert plan.container("app", 1).address_on("dmz-breach-c1-dmz") == "10.1.1.3"
    assert plan.container("gw", 1).address_on("dmz-breach-c1-dmz") == "10.1.1.4"
    # on the shared network the copies' routers line up in copy order
    assert plan.container("gw", 1).address_on("dmz-breach-internet") == "198.51.100.2"
    assert plan.container("gw", 2).address_on("dmz-breach-internet") == "198.51.100.3"


def test_routers_get_net_admin_and_forwarding_others_nothing(dmz_plan: Plan) -> None:
    gw = dmz_plan.container("gw", 1)
    assert gw.router and gw.role == "router"
    assert gw.capabilities == ("NET_ADMIN",)
    assert gw.sysctls == {"net.ipv4.ip_forward": "1"}
    assert gw.firewall_default == "drop"
    for container in dmz_plan.containers:
        if not container.router:
            assert container.capabilities == () and container.sysctls == {}
            assert container.firewall == ()


def test_limits_and_services_come_from_the_host() -> None:
    data = edit(DMZ)
    data["hosts"]["web"]["limits"] = {"memory": "64m", "cpus": 0.25, "pids": 64}  # type: ignore[index]
    plan = make_plan(Scenario.model_validate(data))
    web = plan.container("web", 1)
    assert (web.memory, web.cpus, web.pids) == ("64m", 0.25, 64)
    assert [(s.name, s.port, s.protocol) for s in web.services] == [("shop", 80, "tcp")]
    assert plan.container("db", 1).memory == "256m"


def test_checker_sits_on_every_per_copy_network_at_the_top(dmz_plan: Plan) -> None:
    for copy in (1, 2):
        checker = dmz_plan.container("checker", copy)
        assert checker.name == f"dmz-breach-c{copy}-checker"
        assert checker.image == "cyberrange/checker" and checker.role == "checker"
        assert checker.labels[LABEL_ROLE] == "checker"
        assert checker.capabilities == () and checker.routes == ()
        assert [(i.network, i.address) for i in checker.interfaces] == [
            (f"dmz-breach-c{copy}-dmz", f"10.{copy}.1.254"),
            (f"dmz-breach-c{copy}-internal", f"10.{copy}.2.254"),
        ]
    with pytest.raises(KeyError):
        dmz_plan.container("checker", 0)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("10.{copy}.1.254", "checker"),
        ("10.{copy}.1.1", "gateway"),
        ("10.{copy}.1.255", "broadcast"),
        ("10.{copy}.9.10", "outside the subnet"),
        ("10.{copy}.2.20", "outside the subnet"),
        ("not-an-address", "not a valid IPv4 address"),
    ],
)
def test_bad_declared_addresses_are_refused_with_their_path(address: str, message: str) -> None:
    data = edit(DMZ)
    data["hosts"]["web"]["networks"] = {"dmz": address}  # type: ignore[index]
    with pytest.raises(PlanError, match=message) as caught:
        make_plan(Scenario.model_validate(data))
    assert "hosts.web.networks.dmz" in str(caught.value)


def test_an_address_taken_twice_is_refused() -> None:
    data = edit(DMZ)
    data["hosts"]["db"]["networks"] = {"internal": "10.{copy}.2.20", "dmz": "10.{copy}.1.10"}  # type: ignore[index]
    with pytest.raises(PlanError, match="already taken by host 'web'"):
        make_plan(Scenario.model_validate(data))


def test_per_copy_subnet_without_copy_token_overlaps() -> None:
    data = edit(DMZ)
    data["networks"]["dmz"] = {"subnet": "10.0.1.0/24"}  # type: ignore[index]
    data["hosts"]["web"]["networks"] = ["dmz"]  # type: ignore[index]
    with pytest.raises(PlanError, match=r"networks\.dmz\.subnet: .*overlaps"):
        make_plan(Scenario.model_validate(data))


def test_shared_host_on_a_per_copy_network_is_refused() -> None:
    data = edit(PIVOT)
    data["hosts"]["attacker"]["networks"] = ["internet", "dmz"]  # type: ignore[index]
    with pytest.raises(PlanError, match=re.escape("hosts.attacker.networks.dmz: a shared host")):
        make_plan(Scenario.model_validate(data))


def test_a_full_subnet_is_refused() -> None:
    data = edit(PIVOT)
    data["networks"]["dmz"] = {"subnet": "10.{copy}.1.0/29"}  # type: ignore[index]
    for index in range(4):
        data["hosts"][f"extra{index}"] = {"image": "cyberrange/web", "networks": ["dmz"]}  # type: ignore[index]
    with pytest.raises(PlanError, match=re.escape("no free address left in 10.1.1.0/29")):
        make_plan(Scenario.model_validate(data))


def test_a_host_named_checker_is_refused() -> None:
    data = edit(PIVOT)
    data["hosts"]["checker"] = {"image": "cyberrange/web", "networks": ["dmz"]}  # type: ignore[index]
    with pytest.raises(PlanError, match=re.escape("hosts.checker")):
        make_plan(scenario(PIVOT, hosts=data["hosts"]))
