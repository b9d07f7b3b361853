"""Placement of a plan's containers onto swarm nodes (pure)."""

from __future__ import annotations

import pytest

from range.backends.swarm_placement import NodeLoad, memory_bytes, place
from range.errors import BackendError, PlanError
from range.plan import ContainerPlan

GIB = 1024**3


def box(name: str, copy: int, memory: str = "256m") -> ContainerPlan:
    return ContainerPlan(
        name=name, host=name.split("-")[-1], copy=copy, image="i", hostname="h",
        interfaces=(), memory=memory,
    )  # fmt: skip


def copies(count: int, hosts: int = 3, memory: str = "256m") -> list[ContainerPlan]:
    return [box(f"c{c}-h{h}", c, memory) for c in range(1, count + 1) for h in range(hosts)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("256m", 256 * 1024**2), ("1g", GIB), ("512k", 512 * 1024), ("4096", 4096), ("2GB", 2 * GIB)],
)
def test_memory_notation(text: str, expected: int) -> None:
    assert memory_bytes(text) == expected


def test_bad_memory_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match="lots"):
        memory_bytes("lots")


def test_each_copy_stays_on_one_node_and_copies_spread() -> None:
    loads = [NodeLoad("a", 8 * GIB, 0), NodeLoad("b", 8 * GIB, 0), NodeLoad("c", 8 * GIB, 0)]
    placed = place(copies(6), loads)
    per_copy = {c: {placed[f"c{c}-h{h}"] for h in range(3)} for c in range(1, 7)}
    assert all(len(nodes) == 1 for nodes in per_copy.values())
    used = [next(iter(per_copy[c])) for c in range(1, 7)]
    assert sorted(used.count(n) for n in "abc") == [2, 2, 2]


def test_busy_nodes_get_fewer_copies() -> None:
    loads = [NodeLoad("a", 8 * GIB, 6 * GIB), NodeLoad("b", 8 * GIB, 0)]
    placed = place(copies(4), loads)
    assert sorted(placed.values()).count("b") == 12  # b has room for every copy, a has 2 GiB


def test_running_containers_keep_their_node_and_pull_their_copy_along() -> None:
    loads = [NodeLoad("a", 8 * GIB, 0), NodeLoad("b", 8 * GIB, 0)]
    placed = place(copies(1), loads, fixed={"c1-h0": "b"})
    assert set(placed.values()) == {"b"}


def test_a_copy_too_big_for_any_node_is_split() -> None:
    loads = [NodeLoad("a", 1 * GIB, 0), NodeLoad("b", 1 * GIB, 0)]
    placed = place(copies(1, hosts=3, memory="600m"), loads)
    assert set(placed.values()) == {"a", "b"}


def test_overcommitted_cluster_still_places_everything_on_the_emptiest_node() -> None:
    loads = [NodeLoad("a", GIB, 2 * GIB), NodeLoad("b", GIB, 3 * GIB)]
    assert set(place(copies(1), loads).values()) == {"a"}


def test_no_node_is_an_error() -> None:
    with pytest.raises(BackendError, match="no swarm node"):
        place(copies(1), [])
