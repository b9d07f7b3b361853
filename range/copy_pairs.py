"""Which copies `verify` probes against each other: a sample linear in copies.

Probing every ordered pair of copies costs copies² probes (40 copies: 1,560
pairs, each several probes). Instead each copy ``i`` is paired with its ring
neighbour ``i+1`` and with the copy half-way round the ring ``i + copies//2``,
and every pair is probed in both directions. So every copy is a source and a
destination at least twice, a fault that affects only far-apart copies (say
an address block collapsed across copies 1..20) still shows, and there are at
most ``4 * copies`` ordered pairs. Up to 5 copies this is every pair.
"""

from __future__ import annotations


def copy_pairs(copies: int) -> list[tuple[int, int]]:
    """Ordered (source copy, destination copy) pairs, deterministic and sorted."""
    if copies < 2:
        return []
    pairs: set[tuple[int, int]] = set()
    for offset in sorted({1, copies // 2}):
        for mine in range(1, copies + 1):
            theirs = (mine - 1 + offset) % copies + 1
            pairs.update({(mine, theirs), (theirs, mine)})
    return sorted(pairs)
