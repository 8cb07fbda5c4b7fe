"""Facts of one article that say the same thing are merged; the fast merge equals the all-pairs one."""

from __future__ import annotations

import itertools
import random

from briefer.brief.extract import GroundedFact
from briefer.brief.grounding import Grounded
from briefer.brief.merge import _combine, merge_facts, same_fact
from briefer.groups import connected_groups
from briefer.models import FactKind, Span
from briefer.text import normalize

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


# --- the merge tests only pairs that can be the same, with the result of testing every pair ---


def old_merge_facts(facts):
    """The all-pairs merge as it was before blocking: the reference the fast one must equal."""
    pairs = ((i, j) for i in range(len(facts)) for j in range(i + 1, len(facts)))
    groups = connected_groups(len(facts), pairs, lambda i, j: same_fact(facts[i], facts[j]))
    merged = [_combine([facts[i] for i in group]) for group in groups]
    merged.sort(key=lambda f: (f.first, f.claim))
    return merged, len(facts) - len(merged)


# Word forms that differ by a letter or a full stop, numbers, quote and dash variants, case.
VOCAB = (
    "ship ships ships. Ship sank sank. sunk the The ferry ferry. aground ran tugs tug refloat refloated "
    '40 50 4,000 \u201cKim\u201d "Kim" Kim Kim\'s Kim\u2019s fly flies Russia Russian \u2014 - talks stalled'
).split()


def random_claim(rng: random.Random, earlier: list[str]) -> str:
    """A random claim, or a small edit of an earlier one (so that many pairs are, or nearly are, the same)."""
    if earlier and rng.random() < 0.6:
        words = rng.choice(earlier).split()
        edit = rng.randrange(3)
        if edit == 0 and words:
            del words[rng.randrange(len(words))]
        elif edit == 1:
            words.insert(rng.randint(0, len(words)), rng.choice(VOCAB))
        elif words:
            words[rng.randrange(len(words))] = rng.choice(VOCAB)
        return " ".join(words)
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(0, 7)))


def random_facts(rng: random.Random, n: int) -> list[GroundedFact]:
    text = " ".join(rng.choice(VOCAB) for _ in range(60))
    claims: list[str] = []
    facts = []
    for _ in range(n):
        claims.append(random_claim(rng, claims))
        spans = []
        for _ in range(rng.randint(1, 2)):
            start = rng.randrange(len(text) - 1)
            end = min(len(text), start + rng.randint(1, 40))
            match = rng.choice(["exact", "normalized", "fuzzy"])
            spans.append(Grounded(Span.of(text, start, end), match, 100.0))
        facts.append(GroundedFact(claims[-1], FactKind.event, [], spans, rng.randrange(4)))
    return facts


def test_blocked_merge_equals_the_all_pairs_merge_on_random_facts():
    rng = random.Random(11)
    no_shared_word = 0
    for _ in range(60):
        facts = random_facts(rng, rng.randint(2, 40))
        assert merge_facts(facts) == old_merge_facts(facts)
        no_shared_word += sum(
            not set(normalize(a.claim).split()) & set(normalize(b.claim).split()) and same_fact(a, b)
            for a, b in itertools.combinations(facts, 2)
        )
    assert no_shared_word > 0  # the inputs include merged pairs that share no word, which word blocking loses


def test_claims_sharing_no_word_can_still_be_one_fact():
    """Why candidate pairs are not blocked on shared words: these two share none and still merge."""
    assert not set(normalize("Ships sank.").split()) & set(normalize("Ship sank").split())
    a = gf("Ships sank.", "Kim will fly to Russia")
    b = gf("Ship sank", "Talks are stalled.")
    merged, folded = merge_facts([a, b])
    assert folded == 1 and merged == old_merge_facts([a, b])[0]


def test_two_empty_claims_are_one_fact_as_before():
    a, b = gf("", "Kim will fly to Russia"), gf("", "Talks are stalled.")
    assert merge_facts([a, b]) == old_merge_facts([a, b])
    assert merge_facts([a, b])[1] == 1
