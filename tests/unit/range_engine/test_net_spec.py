"""Routes made exactly the plan's, and drift read back from real `ip`/`nft` output shapes."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys

import pytest
from net_plans import GW  # type: ignore[import-not-found]

from range.backends.net_spec import (
    firewall_drift,
    nft_ruleset,
    route_batch,
    route_drift,
    routes_json,
)
from range.errors import PlanError
from range.plan import FirewallRulePlan, Route

# What `ip -j route show table main` prints in a fresh container on 10.9.1.0/24.
DOCKER_FRESH = [
    {"dst": "default", "gateway": "10.9.1.1", "dev": "eth0", "flags": []},
    {
        "dst": "10.9.1.0/24",
        "dev": "eth0",
        "protocol": "kernel",
        "scope": "link",
        "prefsrc": "10.9.1.2",
        "flags": [],
    },
]
ROUTES = (Route("10.9.9.0/24", "10.9.1.3"),)


def test_docker_default_route_goes_and_planned_routes_come() -> None:
    assert route_batch(ROUTES, DOCKER_FRESH) == (
        "route del default via 10.9.1.1\nroute replace 10.9.9.0/24 via 10.9.1.3\n"
    )


def test_routes_already_as_planned_need_nothing() -> None:
    current = [*DOCKER_FRESH[1:], {"dst": "10.9.9.0/24", "gateway": "10.9.1.3", "dev": "eth0"}]
    assert route_batch(ROUTES, current) == ""
    assert route_drift(ROUTES, current) == []


def test_a_wrong_gateway_is_replaced_and_a_foreign_route_deleted() -> None:
    current = [
        {"dst": "10.9.9.0/24", "gateway": "10.9.1.7", "dev": "eth0"},
        {"dst": "192.0.2.0/24", "dev": "eth0", "scope": "link"},  # added by hand, on link
    ]
    assert route_batch(ROUTES, current) == (
        "route del 192.0.2.0/24\nroute replace 10.9.9.0/24 via 10.9.1.3\n"
    )
    assert route_drift(ROUTES, current) == [
        "route 10.9.9.0/24 via 10.9.1.3 missing",
        "route 10.9.9.0/24 via 10.9.1.7 not in the plan",
        "route 192.0.2.0/24 on link not in the plan",
    ]


def test_route_text_from_the_container_is_checked_before_use() -> None:
    with pytest.raises(PlanError):
        route_batch(ROUTES, [{"dst": "default", "gateway": "10.9.1.1\nroute flush all"}])


def test_routes_json_is_what_the_routers_init_reads() -> None:
    assert json.loads(routes_json(ROUTES)) == [{"destination": "10.9.9.0/24", "via": "10.9.1.3"}]


def _loaded_listing(ruleset: str, change: str = "") -> str:
    """`nft -j list table` after loading the ruleset in a network namespace of its own."""
    assert shutil.which("nft") and shutil.which("unshare"), "run ./scripts/test (installs them)"
    program = (
        "import subprocess, sys\n"
        "subprocess.run(['nft', '-f', '-'], input=sys.argv[1], text=True, check=True)\n"
        "if sys.argv[2]:\n"
        "    subprocess.run(['nft', sys.argv[2]], check=True)\n"
        "print(subprocess.run(['nft', '-j', 'list', 'table', 'inet', 'cyberrange'],"
        " capture_output=True, text=True).stdout)\n"
    )
    done = subprocess.run(
        ["unshare", "--net", sys.executable, "-c", program, ruleset, change],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_loaded_ruleset_shows_no_drift() -> None:
    assert firewall_drift(GW, _loaded_listing(nft_ruleset(GW))) == []


def test_a_changed_rule_a_policy_or_a_lost_table_is_drift() -> None:
    listing = _loaded_listing(nft_ruleset(GW), "flush chain inet cyberrange forward")
    assert firewall_drift(GW, listing) == ["firewall chain forward rules differ from the plan"]
    opened = _loaded_listing(nft_ruleset(dataclasses.replace(GW, firewall_default="accept")))
    assert firewall_drift(GW, opened) == ["firewall chain forward policy accept, plan drop"]
    other = dataclasses.replace(GW, firewall=(FirewallRulePlan("accept", "10.9.1.0/24"),))
    assert firewall_drift(GW, _loaded_listing(nft_ruleset(other))) == [
        "firewall chain input rules differ from the plan",
        "firewall chain forward rules differ from the plan",
    ]
    assert firewall_drift(GW, "") == ["firewall table inet cyberrange missing"]
