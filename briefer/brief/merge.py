"""Fold facts that say the same thing into one fact carrying all their spans.

Two facts are the same when their claims are near-identical, or when their
spans overlap and their claims are at least similar (two different claims
cut from one long sentence stay apart); :func:`same_fact` is the relation.
Grouping makes it transitive (:mod:`briefer.groups`); the merged fact keeps
the claim and kind of the fact that appears first in the article, and the
union of entities and spans.

Only pairs that can be the same are tested, and each claim is normalized
once (:class:`briefer.text.ClaimSet`): pairs with near-identical claims are
found in batches among claims with the same numbers, pairs with overlapping
spans by one sweep over the spans sorted by start. Every other pair fails
both halves of the relation, so the groups are those of testing every pair,
tested in the same order.
"""

from __future__ import annotations

from ..groups import connected_groups
from ..text import ClaimSet, same_claim
from .extract import GroundedFact
from .grounding import Grounded

SPAN_OVERLAP = 0.5
_TIER_RANK = {"exact": 0, "normalized": 1, "fuzzy": 2}


def spans_overlap(a: GroundedFact, b: GroundedFact) -> bool:
    """Some span of ``a`` and some span of ``b`` share at least half of the shorter one."""
    return any(_overlap(x, y) for x in a.grounded for y in b.grounded)


def _overlap(x: Grounded, y: Grounded) -> bool:
    shared = min(x.span.end, y.span.end) - max(x.span.start, y.span.start)
    shorter = min(x.span.end - x.span.start, y.span.end - y.span.start)
    return shared > 0 and shared >= SPAN_OVERLAP * shorter


def same_fact(a: GroundedFact, b: GroundedFact) -> bool:
    return same_claim(a.claim, b.claim, same_evidence=spans_overlap(a, b))


def merge_facts(facts: list[GroundedFact]) -> tuple[list[GroundedFact], int]:
    """Merged facts in article order, and how many facts were folded into others."""
    claims = ClaimSet([f.claim for f in facts])
    overlapping = overlapping_pairs(facts)
    candidates = sorted(claims.near_identical() | overlapping)  # the order of testing all pairs
    groups = connected_groups(
        len(facts), candidates, lambda i, j: claims.same(i, j, same_evidence=(i, j) in overlapping)
    )
    merged = [_combine([facts[i] for i in group]) for group in groups]
    merged.sort(key=lambda f: (f.first, f.claim))
    return merged, len(facts) - len(merged)


def overlapping_pairs(facts: list[GroundedFact]) -> set[tuple[int, int]]:
    """Pairs ``i < j`` with ``spans_overlap(facts[i], facts[j])``, by a sweep over spans sorted by start."""
    spans = sorted(((k, g) for k, f in enumerate(facts) for g in f.grounded), key=lambda kg: kg[1].span.start)
    found: set[tuple[int, int]] = set()
    open_spans: list[tuple[int, Grounded]] = []  # spans that started earlier and may still overlap
    for k, g in spans:
        open_spans = [(m, h) for m, h in open_spans if h.span.end > g.span.start]
        for m, h in open_spans:
            if m != k and _overlap(g, h):
                found.add((min(m, k), max(m, k)))
        open_spans.append((k, g))
    return found


def _combine(group: list[GroundedFact]) -> GroundedFact:
    group = sorted(group, key=lambda f: (f.first, f.chunk))
    lead = group[0]
    entities: dict[str, str] = {}
    for f in group:
        for e in f.entities:
            entities.setdefault(e.casefold(), e)
    spans = best_spans(g for f in group for g in f.grounded)
    return GroundedFact(
        lead.claim,
        lead.kind,
        list(entities.values()),
        spans,
        lead.chunk,
        lead.statement,
        lead.attribution,
        lead.speaker_span,
    )


def best_spans(grounded) -> list[Grounded]:
    """One entry per distinct ``(start, end)``, keeping the strongest match tier, in order."""
    best: dict[tuple[int, int], Grounded] = {}
    for g in grounded:
        key = (g.span.start, g.span.end)
        if key not in best or _TIER_RANK[g.match] < _TIER_RANK[best[key].match]:
            best[key] = g
    return [best[k] for k in sorted(best)]
