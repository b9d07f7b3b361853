"""Which node runs which container of a plan (pure, so it can be unit-tested).

Rules, in order:
1. A container that already runs (and is kept) stays where it is.
2. The containers of one copy go together: to the node their copy already
   uses, else to the node with the most free memory that holds the whole copy.
3. A copy too big for any single node is split, container by container, onto
   the node with the most free memory.
Free memory is the node's memory minus the memory limits of what runs there
and of what this placement already put there, so copies spread by load. Ties
go to the node listed first (the manager's own node), then by name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from range.errors import BackendError, PlanError
from range.plan import ContainerPlan

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_MEMORY = re.compile(r"^\s*(\d+)\s*([bkmg]?)b?\s*$", re.IGNORECASE)


def memory_bytes(text: str) -> int:
    """Docker's memory notation ("256m", "1g", "512k", "1048576") in bytes."""
    match = _MEMORY.match(text)
    if match is None:
        raise PlanError(f"memory limit {text!r} is not a number with an optional k/m/g unit")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


@dataclass(frozen=True)
class NodeLoad:
    node: str  # node id
    memory: int  # bytes the node has
    used: int  # bytes of memory limits of containers running there (not of this plan)


def _free(loads: list[NodeLoad], added: Counter[str]) -> dict[str, int]:
    return {n.node: n.memory - n.used - added[n.node] for n in loads}


def _best(loads: list[NodeLoad], free: dict[str, int], need: int) -> str | None:
    """The node with the most free memory that holds ``need`` bytes (first listed on ties)."""
    fitting = [n.node for n in loads if free[n.node] >= need]
    if not fitting:
        return None
    order = {n.node: i for i, n in enumerate(loads)}
    return max(fitting, key=lambda node: (free[node], -order[node]))


def _groups(containers: Iterable[ContainerPlan]) -> dict[int, list[ContainerPlan]]:
    groups: dict[int, list[ContainerPlan]] = {}
    for container in containers:
        groups.setdefault(container.copy, []).append(container)
    return dict(sorted(groups.items()))


def place(
    containers: Iterable[ContainerPlan],
    loads: list[NodeLoad],
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Container name → node id for every container; ``fixed`` ones keep their node."""
    if not loads:
        raise BackendError("no swarm node is ready, active and reachable to run range containers")
    fixed = dict(fixed or {})
    known = {n.node for n in loads}
    added: Counter[str] = Counter()
    placed: dict[str, str] = {}
    for group in _groups(containers).values():
        staying = [c for c in group if fixed.get(c.name) in known]
        for container in staying:
            placed[container.name] = fixed[container.name]
            added[fixed[container.name]] += memory_bytes(container.memory)
        moving = [c for c in group if c.name not in placed]
        if moving:
            home = Counter(placed[c.name] for c in staying).most_common(1)
            placed.update(_place_group(moving, loads, added, home[0][0] if home else None))
    return placed


def _place_group(
    group: list[ContainerPlan], loads: list[NodeLoad], added: Counter[str], home: str | None
) -> dict[str, str]:
    need = sum(memory_bytes(c.memory) for c in group)
    free = _free(loads, added)
    node = home if home is not None and free[home] >= need else _best(loads, free, need)
    placed: dict[str, str] = {}
    if node is not None:
        for container in group:
            placed[container.name] = node
        added[node] += need
        return placed
    # Too big for one node: biggest first, each onto the node with the most room left.
    for container in sorted(group, key=lambda c: (-memory_bytes(c.memory), c.name)):
        size = memory_bytes(container.memory)
        free = _free(loads, added)
        target = _best(loads, free, size) or _best(loads, free, min(free.values()))
        assert target is not None  # the node with the least room always "fits" its own room
        placed[container.name] = target
        added[target] += size
    return placed
