"""Fact merging grows far slower than the number of pairs: counted, never timed.

The old merges tested every pair of facts in Python (n * (n - 1) / 2 tests of
``same_claim``, each normalizing both claims again). Now each claim is
normalized once and only candidate pairs get the per-pair test, counted here
for n and 4n realistic facts: 4x the facts is 16x the pairs, and a per-pair
count that grows 8x or more would be near quadratic. Finding the candidates
still scores every pair of claims that carry the same numbers, in C, with
rapidfuzz's ``cdist`` (``briefer.text.ClaimSet``); that is not counted here.
"""

from __future__ import annotations

import random

import pytest
from synthetic import article_facts, one_line_brief, one_sentence_brief, story_briefs

from briefer.brief.merge import merge_facts
from briefer.digest.cluster import story_facts
from briefer.text import ClaimSet


@pytest.fixture
def pair_tests(monkeypatch) -> list[int]:
    """Counts the per-pair tests (``ClaimSet.same``, which stands for ``same_claim``)."""
    count = [0]
    same = ClaimSet.same

    def counted(self, i, j, *, same_evidence):
        count[0] += 1
        return same(self, i, j, same_evidence=same_evidence)

    monkeypatch.setattr(ClaimSet, "same", counted)
    return count


def count_tests(run, pair_tests: list[int]) -> int:
    pair_tests[0] = 0
    run()
    return pair_tests[0]


@pytest.mark.parametrize("n", [100, 150])
def test_merging_4n_facts_of_an_article_makes_far_fewer_than_16x_the_pair_tests(pair_tests, n):
    small = count_tests(lambda: merge_facts(article_facts(n, random.Random(n))), pair_tests)
    large = count_tests(lambda: merge_facts(article_facts(4 * n, random.Random(n))), pair_tests)
    assert 0 < small and large < 8 * small
    assert large < 4 * n * 2  # a few tests per fact, not one per pair (4n * (4n - 1) / 2)


@pytest.mark.parametrize("n", [100, 150])
def test_merging_4n_facts_of_a_story_makes_far_fewer_than_16x_the_pair_tests(pair_tests, n):
    small = count_tests(lambda: story_facts(story_briefs(n, random.Random(n))), pair_tests)
    large = count_tests(lambda: story_facts(story_briefs(4 * n, random.Random(n))), pair_tests)
    assert 0 < small and large < 8 * small
    assert large < 4 * n * 4  # every report restates pooled facts, so more merge, still linear


def test_the_facts_are_realistic_restatements_merge_the_rest_do_not():
    merged, folded = merge_facts(article_facts(400, random.Random(1)))
    assert 40 < folded < 100  # about one in six facts is a restatement; distinct facts stay apart
    facts = story_facts(story_briefs(400, random.Random(1)))
    assert len(facts) <= 400 // 3 and sum(len(f.articles) > 1 for f in facts) > len(facts) / 2


def _cost_of_chunking(n: int, monkeypatch) -> tuple[int, int]:
    """Characters the sentence splitter and the token estimate are given while chunking an n-character line."""
    import random
    from types import SimpleNamespace

    from briefer.brief import chunking

    random.seed(n)
    words = ["Alpha", "beta", "Gamma", "12", "U.S.", "e.g.", "3.5", "zeta"]
    text = " ".join(random.choice(words) for _ in range(n // 4))[:n]
    seen = {"sbd": 0, "tokens": 0}
    real_boundaries, real_estimate = chunking.sentencex.get_sentence_boundaries, chunking.estimate_tokens

    def boundaries(language, line):
        seen["sbd"] += len(line)
        return real_boundaries(language, line)

    def estimate(piece):
        seen["tokens"] += len(piece)
        return real_estimate(piece)

    monkeypatch.setattr(chunking, "sentencex", SimpleNamespace(get_sentence_boundaries=boundaries))
    monkeypatch.setattr(chunking, "estimate_tokens", estimate)
    chunking._sentence_spans.cache_clear()
    chunks = chunking.chunk_text(text, 300)
    assert "".join(c.text for c in chunks) == text
    return seen["sbd"], seen["tokens"]


def test_a_long_line_without_punctuation_is_chunked_in_linear_work(monkeypatch):
    """A 200k-character line once took minutes (pysbd was quadratic on long lines, cuts rescanned)."""
    small = _cost_of_chunking(50_000, monkeypatch)
    large = _cost_of_chunking(200_000, monkeypatch)
    assert large[0] / small[0] < 4.5 and large[1] / small[1] < 4.5, (small, large)


class _Scanned:
    """Stands for a compiled pattern and adds up the characters each search may scan (``endpos - pos``)."""

    def __init__(self, pattern):
        self.pattern, self.chars, self.calls = pattern, 0, 0

    def search(self, string, pos=0, endpos=None):
        end = len(string) if endpos is None else endpos
        self.chars += max(0, end - pos)
        self.calls += 1
        return self.pattern.search(string, pos, end)


def _sentence_loop_work(chars: int, monkeypatch) -> tuple[int, int]:
    """Characters the sentence loop's own pattern scans, and its calls, splitting a one-line article."""
    from briefer.brief import chunking

    text = one_line_brief(chars, seed=chars).article.text
    assert "\n" not in text
    scanned = _Scanned(chunking._INITIAL)
    monkeypatch.setattr(chunking, "_INITIAL", scanned)
    chunking._sentence_spans.cache_clear()
    chunks = chunking.chunk_text(text, 300)
    assert "".join(c.text for c in chunks) == text and len(chunks) > chars // 2000
    return scanned.chars, scanned.calls


def test_the_sentence_loop_on_one_long_line_is_linear(monkeypatch):
    """At every sentence boundary the initial check ("A. Smith") once searched the line from its start:
    a 304k-character line took 36 s. Now each check looks at the few characters before the boundary."""
    small = _sentence_loop_work(40_000, monkeypatch)
    large = _sentence_loop_work(160_000, monkeypatch)
    assert small[1] > 300  # a check at every boundary: the loop is exercised
    assert large[0] / small[0] < 4.5 and large[1] / small[1] < 4.5, (small, large)


def test_text_over_the_limit_is_refused_with_a_hint():
    from briefer.errors import InputError
    from briefer.sources.article import MAX_CHARS, article_from_bytes

    with pytest.raises(InputError, match="more than the 2,000,000 briefer takes.*split it"):
        article_from_bytes(b"word " * (MAX_CHARS // 5 + 1), source="big.txt")


def _verify_calls(chars: int, build=one_line_brief) -> tuple[int, list[str]]:
    """Python function calls (generator steps included) of loading and verifying a one-line brief."""
    import json
    import sys

    from briefer.brief import attribution, chunking
    from briefer.verify import parse_brief, verify_brief

    data = json.loads(build(chars, seed=chars).model_dump_json())
    chunking._sentence_spans.cache_clear()
    attribution._context.cache_clear()
    calls = [0]

    def count(frame, event, arg):
        if event == "call":
            calls[0] += 1

    sys.setprofile(count)
    try:
        problems = verify_brief(parse_brief(data))
    finally:
        sys.setprofile(None)
    return calls[0], problems


def test_verifying_a_one_line_article_is_linear():
    """A fact's voice once scanned every sentence and quotation of the article: 4x the text (and the
    facts) made 16x the work. Counted in Python calls, generator steps included, never timed."""
    small, problems = _verify_calls(30_000)
    large, _ = _verify_calls(120_000)
    assert problems == []  # the synthetic briefs are sound: every check runs to its end
    assert large / small < 4.5, (small, large)


def test_verifying_one_endless_sentence_is_linear():
    """A line with no full stop is one sentence to the splitter; every cue and name rule once read
    all of it for each word and each cue (a 64k-character line took over 300 s). Now it is read in
    pieces of at most ``sourcetext.MAX_SENTENCE`` characters, each rule a window around its cue."""
    small, problems = _verify_calls(30_000, one_sentence_brief)
    large, _ = _verify_calls(120_000, one_sentence_brief)
    assert len(problems) > 10  # the clauses are reported speech stated as fact: the voice checks ran
    assert large / small < 4.5, (small, large)


def test_a_citation_is_found_without_scanning_the_list():
    """Brief.citation is called once per cited span (digest assembly, corroboration): no list scan."""
    from synthetic import one_line_brief

    brief = one_line_brief(200_000)
    assert len(brief.citations) > 200

    class Counting(list):
        reads = 0

        def __iter__(self):
            Counting.reads += 1
            return super().__iter__()

    object.__setattr__(brief, "citations", Counting(brief.citations))
    for c in list.__iter__(brief.citations):
        assert brief.citation(c.id) is c
    assert Counting.reads == 0


def test_widening_a_span_to_whole_words_is_bounded():
    from briefer.output.links import WIDEN_AT_MOST, whole_words

    word = "x" * 1_000_000
    assert len(whole_words(word, 500_000, 500_010)) == 10 + 2 * WIDEN_AT_MOST
    assert whole_words("the harbour reopened", 6, 9) == "harbour"
