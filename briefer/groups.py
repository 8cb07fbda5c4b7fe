"""Connected groups of items under a pairwise "same" relation (union-find)."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def connected_groups(n: int, pairs: Iterable[tuple[int, int]], same: Callable[[int, int], bool]) -> list[list[int]]:
    """Indices ``0..n-1`` grouped by the transitive closure of ``same`` over candidate ``pairs``.

    A pair whose two sides are already in one group is not tested again. Groups
    come in order of their first index, each sorted.
    """
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        a, b = root(i), root(j)
        if a != b and same(i, j):
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())
