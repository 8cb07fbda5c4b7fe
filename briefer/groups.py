"""Connected groups of items under a pairwise "same" relation (union-find), used by fact merging and stories."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def connected_groups(
    n: int,
    pairs: Iterable[tuple[int, int]],
    same: Callable[[int, int], bool],
    can_join: Callable[[list[int], list[int]], bool] | None = None,
) -> list[list[int]]:
    """Indices ``0..n-1`` grouped by the transitive closure of ``same`` over candidate ``pairs``.

    A pair whose two sides are already in one group is not tested again; with
    ``can_join``, two groups merge only if it accepts their members (e.g. "no
    two facts of one article"). Groups come in order of their first index,
    each sorted.
    """
    parent = list(range(n))
    members = {i: [i] for i in range(n)}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        a, b = root(i), root(j)
        if a == b or (can_join and not can_join(members[a], members[b])) or not same(i, j):
            continue
        keep, gone = min(a, b), max(a, b)
        parent[gone] = keep
        members[keep] += members.pop(gone)
    return [sorted(members[r]) for r in sorted(members)]
