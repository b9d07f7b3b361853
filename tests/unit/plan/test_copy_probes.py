"""verify's copy-to-copy probes: every copy probed both ways, count linear in copies."""

from __future__ import annotations

import pytest
from plan_scenarios import DMZ, scenario  # type: ignore[import-not-found]

from range.copy_pairs import copy_pairs
from range.plan import Plan
from range.planner import make_plan
from range.reach import Probe, probe_set


def _copy_probes(copies: int) -> tuple[Plan, list[Probe]]:
    plan = make_plan(scenario(DMZ), copies=copies)
    return plan, [p for p in probe_set(plan) if p.kind == "copy"]


def test_five_copies_every_copy_is_source_and_destination_all_denied() -> None:
    plan, probes = _copy_probes(5)
    copy_of = {c.name: c.copy for c in plan.containers}
    assert probes and not any(p.expect_allowed for p in probes)
    assert {copy_of[p.source] for p in probes} == {1, 2, 3, 4, 5}
    assert {copy_of[p.destination] for p in probes} == {1, 2, 3, 4, 5}
    pairs = {(copy_of[p.source], copy_of[p.destination]) for p in probes}
    # Up to five copies the sample is every ordered pair.
    assert pairs == {(i, j) for i in range(1, 6) for j in range(1, 6) if i != j}


@pytest.mark.parametrize("copies", [2, 3, 6, 7, 10, 40, 101])
def test_sampled_pairs_cover_every_copy_both_ways(copies: int) -> None:
    pairs = copy_pairs(copies)
    assert pairs == copy_pairs(copies) and pairs == sorted(set(pairs))
    assert all(mine != theirs for mine, theirs in pairs)
    assert {(theirs, mine) for mine, theirs in pairs} == set(pairs)
    everyone = set(range(1, copies + 1))
    assert {mine for mine, _ in pairs} == everyone
    assert {theirs for _, theirs in pairs} == everyone
    assert len(pairs) <= 4 * copies
    # Not only neighbours: some pair spans at least a third of the ring.
    assert max(abs(m - t) for m, t in pairs) >= copies // 3


def test_copy_probe_count_is_linear_in_copies() -> None:
    _, ten = _copy_probes(10)
    _, forty = _copy_probes(40)
    plan, _ = _copy_probes(40)
    # Per ordered pair at most: each non-checker container of one copy, per
    # network the other copy's containers are on (shared ones included).
    sources = [c for c in plan.containers if c.copy == 1 and c.role != "checker"]
    networks = {i.network for c in plan.containers if c.copy == 2 for i in c.interfaces}
    per_pair = len(sources) * len(networks)
    assert len(forty) <= 4 * 40 * per_pair
    assert len(forty) <= 4 * len(ten) + 8  # 4x copies, about 4x probes (not 16x)
    _, hundred = _copy_probes(100)
    assert {p.source for p in hundred} >= {f"dmz-breach-c{i}-web" for i in range(1, 101)}


def test_no_copy_pairs_for_one_copy() -> None:
    assert copy_pairs(1) == [] and copy_pairs(0) == []
    _, probes = _copy_probes(1)
    assert probes == []
