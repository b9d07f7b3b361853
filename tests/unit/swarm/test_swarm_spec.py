"""Overlay network arguments and the address block left to the swarm's node endpoints."""

from __future__ import annotations

import ipaddress

import pytest

from range.backends.swarm_nodes import node_from_inspect
from range.backends.swarm_spec import node_range, overlay_create_args, overlay_hash
from range.errors import PlanError
from range.plan import LABEL_PLAN_HASH, LABEL_RANGE, NetworkPlan


def net(
    subnet: str = "10.1.1.0/24", gateway: str = "10.1.1.1", internal: bool = True
) -> NetworkPlan:
    return NetworkPlan("r-c1-dmz", "dmz", 1, subnet, gateway, internal)


def test_overlay_is_attachable_internal_with_the_plan_subnet_and_labels() -> None:
    args = overlay_create_args("r", net(), "10.1.1.192/27")
    assert args[:7] == [
        "network",
        "create",
        "--driver",
        "overlay",
        "--attachable",
        "--scope",
        "swarm",
    ]
    assert "--internal" in args
    assert args[args.index("--subnet") + 1] == "10.1.1.0/24"
    assert args[args.index("--gateway") + 1] == "10.1.1.1"
    assert args[args.index("--ip-range") + 1] == "10.1.1.192/27"
    assert f"{LABEL_RANGE}=r" in args
    assert f"{LABEL_PLAN_HASH}={overlay_hash(net(), '10.1.1.192/27')}" in args
    assert args[-1] == "r-c1-dmz"


def test_a_network_the_plan_opens_is_not_internal() -> None:
    assert "--internal" not in overlay_create_args("r", net(internal=False), "10.1.1.192/27")


def test_bad_gateway_and_range_are_plan_errors() -> None:
    with pytest.raises(PlanError, match="outside"):
        overlay_create_args("r", net(gateway="10.9.9.9"), "10.1.1.192/27")
    with pytest.raises(PlanError, match="outside"):
        overlay_create_args("r", net(), "10.2.0.0/27")


def test_node_range_avoids_every_planned_address() -> None:
    taken = ["10.1.1.2", "10.1.1.10", "10.1.1.254"]
    block = ipaddress.ip_network(node_range(net(), taken))
    assert block.prefixlen == 27
    assert block == ipaddress.ip_network("10.1.1.192/27")  # the top /27 holds the checker
    assert not any(ipaddress.ip_address(a) in block for a in [*taken, "10.1.1.1"])


def test_small_subnets_get_a_small_block_and_full_ones_an_error() -> None:
    small = net("10.1.1.0/28", "10.1.1.1")
    block = ipaddress.ip_network(node_range(small, ["10.1.1.2", "10.1.1.3", "10.1.1.14"]))
    assert block.prefixlen in (29, 30, 31) and block.subnet_of(ipaddress.ip_network("10.1.1.0/28"))
    tiny = net("10.1.1.0/29", "10.1.1.1")
    with pytest.raises(PlanError, match="bigger subnet"):
        node_range(tiny, [f"10.1.1.{i}" for i in range(2, 7)])


def test_the_range_changes_the_network_hash() -> None:
    assert overlay_hash(net(), "10.1.1.192/27") != overlay_hash(net(), "10.1.1.128/27")


def test_node_from_inspect_reads_engine_label_and_resources() -> None:
    info = {
        "ID": "abc",
        "Spec": {
            "Role": "worker",
            "Availability": "active",
            "Labels": {"cyberrange.engine": "tcp://n2:2375"},
        },
        "Description": {
            "Hostname": "n2",
            "Resources": {"NanoCPUs": 2_000_000_000, "MemoryBytes": 1024},
        },
        "Status": {"State": "ready", "Addr": "192.0.2.7"},
    }
    node = node_from_inspect(info, self_id="other")
    assert (node.hostname, node.engine_url, node.cpus, node.memory) == (
        "n2",
        "tcp://n2:2375",
        2.0,
        1024,
    )
    assert node.usable and not node.is_self
    unlabeled = node_from_inspect({**info, "Spec": {"Role": "worker"}}, self_id="other")
    assert not unlabeled.reachable and not unlabeled.usable
    assert node_from_inspect({**info, "Spec": {}}, self_id="abc").usable  # the manager's own


def test_only_engines_of_this_machine_count_as_local(monkeypatch: pytest.MonkeyPatch) -> None:
    from python_on_whales import DockerClient

    from range.backends.docker_engine import DockerEngine
    from range.backends.docker_netns import is_local

    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert is_local(DockerEngine(DockerClient()))
    assert is_local(DockerEngine(DockerClient(host="unix:///run/docker.sock")))
    assert not is_local(DockerEngine(DockerClient(host="tcp://192.0.2.9:2375")))
    assert not is_local(DockerEngine(DockerClient(host="ssh://root@node2")))
    monkeypatch.setenv("DOCKER_HOST", "tcp://192.0.2.9:2375")
    assert not is_local(DockerEngine(DockerClient()))
