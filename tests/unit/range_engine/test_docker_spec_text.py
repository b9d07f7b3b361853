"""What the Docker backend sends to the engine, `ip` and `nft`: pure text, no Docker."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from net_plans import GW, NET  # type: ignore[import-not-found]

from range.backends.docker_spec import (
    bridge_name,
    container_hash,
    container_labels,
    network_create_args,
)
from range.backends.net_spec import nft_ruleset, route_batch
from range.config import Settings
from range.errors import PlanError, RangeBusyError
from range.lock import range_lock
from range.plan import (
    LABEL_PLAN_HASH,
    LABEL_RANGE,
    FirewallRulePlan,
    Plan,
    Route,
)
from range.state import plan_from_dict


def test_internal_network_arguments_carry_subnet_gateway_and_labels() -> None:
    args = network_create_args("r", NET)
    assert args[:4] == ["network", "create", "--driver", "bridge"]
    assert "--internal" in args and args[-1] == "r-c1-a"
    assert args[args.index("--subnet") + 1] == "10.9.1.0/24"
    assert args[args.index("--gateway") + 1] == "10.9.1.1"
    assert f"com.docker.network.bridge.name={bridge_name(NET)}" in args
    assert f"{LABEL_RANGE}=r" in args
    assert len(bridge_name(NET)) <= 15


def test_gateway_outside_the_subnet_is_refused() -> None:
    with pytest.raises(PlanError, match="outside"):
        network_create_args("r", dataclasses.replace(NET, gateway="10.9.2.1"))


def test_ruleset_has_policy_established_first_and_rules_in_their_chains() -> None:
    text = nft_ruleset(GW)
    forward = text[text.index("chain forward") :]
    inputs = text[text.index("chain input") : text.index("chain forward")]
    assert "policy drop;" in forward and "policy accept;" in inputs
    lines = [line.strip() for line in forward.splitlines()]
    assert lines[2].startswith('ct state established,related accept comment "cr:')
    assert lines[3].startswith('ip saddr 100.64.0.3/32 drop comment "cr:')
    assert re.fullmatch(
        r"ip saddr 10.9.1.0/24 ip daddr 10.9.2.0/24 tcp dport \{ 22, 80 \} accept "
        r'comment "cr:[0-9a-f]{8} say hi"',
        lines[4],
    )
    assert lines[5].startswith(
        "ip daddr 10.9.3.5/32 meta l4proto { tcp, udp } th dport { 53 } accept"
    )
    assert "ip saddr 100.64.0.3/32 drop" in inputs and "10.9.2.0/24" not in inputs


def test_ruleset_is_valid_nftables_syntax() -> None:
    # scripts/ensure-system installs nftables; its absence is a setup error, not a skip
    assert shutil.which("nft") is not None, "nft missing: run ./scripts/test (installs nftables)"
    checked = subprocess.run(
        ["nft", "--check", "-f", "-"], input=nft_ruleset(GW), capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    "rule",
    [
        FirewallRulePlan("accept; flush ruleset", "10.0.0.0/8"),
        FirewallRulePlan("accept", "10.0.0.0/8 } flush ruleset {"),
        FirewallRulePlan("accept", protocol="icmp; drop"),
    ],
)
def test_rule_text_never_passes_unchecked_values(rule: FirewallRulePlan) -> None:
    with pytest.raises(PlanError):
        nft_ruleset(dataclasses.replace(GW, firewall=(rule,)))


def test_route_batch_is_one_idempotent_replace_per_route() -> None:
    assert route_batch(GW.routes) == (
        "route replace 10.9.9.0/24 via 10.9.1.3\nroute replace default via 10.9.1.3\n"
    )
    with pytest.raises(PlanError):
        route_batch((Route("10.9.9.0/24", "10.9.1.3\nroute flush all"),))


def test_plan_hash_changes_with_the_container_or_its_networks() -> None:
    nets = {NET.name: NET}
    base = container_hash(GW, nets)
    assert base == container_hash(GW, {NET.name: dataclasses.replace(NET)})
    assert base != container_hash(dataclasses.replace(GW, memory="512m"), nets)
    moved = {NET.name: dataclasses.replace(NET, subnet="10.9.8.0/24", gateway="10.9.8.1")}
    assert base != container_hash(GW, moved)
    assert container_labels("r", GW, nets)[LABEL_PLAN_HASH] == base


def test_plan_survives_its_json_round_trip() -> None:
    plan = Plan("r", "s", 1, (NET,), (GW,))
    assert plan_from_dict(plan.to_dict()) == plan


def test_second_holder_of_a_range_lock_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with range_lock(settings, "demo"):
        busy = pytest.raises(RangeBusyError, match=r"range demo is being changed by process \d+")
        with busy, range_lock(settings, "demo"):
            pass
        with range_lock(settings, "other"):
            pass
    with range_lock(settings, "demo"):  # released on exit
        pass
