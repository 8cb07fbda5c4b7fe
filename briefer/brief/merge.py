"""Fold facts that say the same thing into one fact carrying all their spans.

Two facts are the same when their claims are near-identical, or when their
spans overlap and their claims are at least similar (two different claims
cut from one long sentence stay apart). Grouping makes the relation
transitive (:mod:`briefer.groups`); the merged fact keeps the claim and kind of the fact that appears
first in the article, and the union of entities and spans.
"""

from __future__ import annotations

from ..groups import connected_groups
from ..text import same_claim
from .extract import GroundedFact
from .grounding import Grounded

SPAN_OVERLAP = 0.5
_TIER_RANK = {"exact": 0, "normalized": 1, "fuzzy": 2}


def spans_overlap(a: GroundedFact, b: GroundedFact) -> bool:
    """Some span of ``a`` and some span of ``b`` share at least half of the shorter one."""
    for x in a.grounded:
        for y in b.grounded:
            shared = min(x.span.end, y.span.end) - max(x.span.start, y.span.start)
            shorter = min(x.span.end - x.span.start, y.span.end - y.span.start)
            if shared > 0 and shared >= SPAN_OVERLAP * shorter:
                return True
    return False


def same_fact(a: GroundedFact, b: GroundedFact) -> bool:
    return same_claim(a.claim, b.claim, same_evidence=spans_overlap(a, b))


def merge_facts(facts: list[GroundedFact]) -> tuple[list[GroundedFact], int]:
    """Merged facts in article order, and how many facts were folded into others."""
    pairs = ((i, j) for i in range(len(facts)) for j in range(i + 1, len(facts)))
    groups = connected_groups(len(facts), pairs, lambda i, j: same_fact(facts[i], facts[j]))
    merged = [_combine([facts[i] for i in group]) for group in groups]
    merged.sort(key=lambda f: (f.first, f.claim))
    return merged, len(facts) - len(merged)


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
