from __future__ import annotations

from briefer.brief.extract import GroundedFact
from briefer.brief.grounding import Grounded
from briefer.brief.merge import merge_facts
from briefer.models import FactKind, Span

TEXT = (
    "Kim will fly to Russia this week. Putin's aid helped North Korea withstand sanctions. Talks are stalled."
)


def gf(claim, quote, chunk=0, kind=FactKind.event, entities=(), match="exact"):
    start = TEXT.index(quote)
    return GroundedFact(
        claim, kind, list(entities), [Grounded(Span.of(TEXT, start, start + len(quote)), match, 100.0)], chunk
    )


def test_near_identical_claims_from_two_chunks_become_one_fact_with_both_spans():
    a = gf("Kim will fly to Russia this week.", "Kim will fly to Russia", 0, entities=["Kim"])
    b = gf("Kim will fly to Russia this week", "fly to Russia this week", 1, entities=["kim", "Russia"])
    merged, folded = merge_facts([b, a])
    assert folded == 1 and len(merged) == 1
    assert merged[0].claim == "Kim will fly to Russia this week."
    assert [g.span.text for g in merged[0].grounded] == ["Kim will fly to Russia", "fly to Russia this week"]
    assert merged[0].entities == ["Kim", "Russia"]


def test_overlapping_spans_with_similar_claims_merge():
    a = gf(
        "Russian aid helped North Korea withstand sanctions.",
        "Putin's aid helped North Korea withstand sanctions",
    )
    b = gf("Putin's aid helped North Korea against sanctions.", "aid helped North Korea withstand sanctions.")
    merged, folded = merge_facts([a, b])
    assert folded == 1 and len(merged[0].grounded) == 2


def test_different_claims_from_one_sentence_stay_apart():
    a = gf("Kim will travel to Russia.", "Kim will fly to Russia this week.")
    b = gf("The trip happens within days.", "Kim will fly to Russia this week.", kind=FactKind.date)
    merged, folded = merge_facts([a, b])
    assert folded == 0 and len(merged) == 2


def test_same_span_keeps_the_strongest_tier_and_facts_come_in_article_order():
    late = gf("Talks are stalled.", "Talks are stalled.", kind=FactKind.context)
    a = gf("Kim flies to Russia this week.", "Kim will fly to Russia", match="fuzzy")
    b = gf("Kim flies to Russia this week", "Kim will fly to Russia", match="exact")
    merged, _ = merge_facts([late, a, b])
    assert [m.claim for m in merged] == ["Kim flies to Russia this week.", "Talks are stalled."]
    assert [g.match for g in merged[0].grounded] == ["exact"]
