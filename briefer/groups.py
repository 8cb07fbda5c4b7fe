"""Grouping items under a pairwise "same" relation, two ways.

- :func:`connected_groups` (union-find) takes the transitive closure of a
  relation over candidate pairs: right for facts, where "same" is strict
  (near-identical claims) and a chain of equal statements is one statement.
- :func:`seeded_groups` never chains: an item joins a group only if it is
  similar to the group's seed and to more than half of its members, and a
  group stops growing at a size cap. Every member is one step from the
  seed, and the most central items are placed first, so they are the seeds.
  Right for stories, where "similar" is loose (shared words) and A~B~C~D
  would otherwise join a tech report to a football report through articles
  that each share a few words with the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence


def connected_groups(
    n: int,
    pairs: Iterable[tuple[int, int]],
    same: Callable[[int, int], bool],
    can_join: Callable[[list[int], list[int]], bool] | None = None,
) -> list[list[int]]:
    """Indices ``0..n-1`` grouped by the transitive closure of ``same`` over candidate ``pairs``.

    A pair whose two sides are already in one group is not tested again; with
    ``can_join``, two groups merge only if it accepts their members (e.g. "no
    two facts of one article"). Pairs are tested in the order given, which
    matters with ``can_join``; a pair left out of ``pairs`` is a pair ``same``
    would reject. Groups come in order of their first index, each sorted.
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


def seeded_groups(
    near: Sequence[Sequence[int]],
    scores: Callable[[int, list[int]], Sequence[float]],
    threshold: float,
    max_size: int,
) -> list[list[int]]:
    """Indices ``0..len(near)-1`` in groups, each built around its seed.

    ``near[i]`` names the items that may be similar to ``i`` (candidates, e.g.
    from LSH) and ``scores(i, items)`` gives the similarity of ``i`` to each.
    Items are placed strongest first (:func:`_strengths`), so a seed is a core
    item of its group rather than one on the edge between two. An item joins
    the group, among those of its candidates that it may join (:func:`_fit`),
    to which it is most similar on average (the earliest group on a tie),
    else it seeds a new group. Groups come in order of their first index,
    each sorted.
    """
    strength = _strengths(near, scores, threshold)
    groups: list[list[int]] = []  # members in the order they joined: the seed first
    group_of: dict[int, int] = {}
    for i in sorted(range(len(near)), key=lambda i: (-strength[i], i)):
        options = sorted({group_of[j] for j in near[i] if j in group_of})
        seeds = scores(i, [groups[k][0] for k in options])  # one batch: most options fail here
        options = [k for k, s in zip(options, seeds) if s >= threshold and len(groups[k]) < max_size]
        fit, g = max(((_fit(i, groups[k], scores, threshold), -k) for k in options), default=(-1.0, 0))
        if fit < 0:
            group_of[i] = len(groups)
            groups.append([i])
        else:
            group_of[i] = -g
            groups[-g].append(i)
    return sorted(sorted(g) for g in groups)


def _strengths(
    near: Sequence[Sequence[int]], scores: Callable[[int, list[int]], Sequence[float]], threshold: float
) -> list[float]:
    """How central each item is: by how much its similar candidates exceed the threshold, summed.

    A core item of a tight group scores high; an item on the edge between two
    groups, or one that is barely similar to many, scores low, so neither seeds.
    """
    return [
        sum(float(s) - threshold for s in scores(i, list(c)) if s >= threshold) for i, c in enumerate(near)
    ]


def _fit(
    i: int, members: list[int], scores: Callable[[int, list[int]], Sequence[float]], threshold: float
) -> float:
    """The mean similarity of ``i`` to a group's members, or -1 if it may not join the group.

    It may join if it is similar (score at least ``threshold``) to the seed and
    to more than half of the members. Strictly more: with "half", an item
    between two topics that seeded a group would let in a report of either.
    """
    got = list(scores(i, members))
    if got[0] < threshold or 2 * sum(s >= threshold for s in got) <= len(got):
        return -1.0
    return sum(got) / len(got)
