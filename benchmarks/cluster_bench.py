"""Stories and fact merging, old (single link, all pairs) against new, side by side in one run.

.venv/bin/python benchmarks/cluster_bench.py           # quick: 200/500 articles, 100/250 facts
.venv/bin/python benchmarks/cluster_bench.py --full    # adds 1,000 articles and 500/1,000 facts

Everything is synthetic and seeded. Articles: events (1-6 reports each) in ten
topics; a report mixes words of its event, of its topic, generic news words
and a shared pool of names, so that at a Jaccard of 0.15 single link chains
stories of different topics together, as a user measured on a real mixed corpus.
Facts: template sentences (names, places, numbers); one article's facts
include near-identical restatements from overlapping chunks; one story's
reports restate a shared pool of facts in their own words. The old
algorithms are copied below as they were, so both run on the same input.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import synthetic  # noqa: E402 -- the tests' synthetic corpus, one definition for both

from briefer.brief.extract import GroundedFact
from briefer.brief.merge import _combine, merge_facts, same_fact
from briefer.digest import cluster
from briefer.digest.cluster import StoryFact, clusters, signature, story_facts
from briefer.groups import connected_groups
from briefer.models import Brief, Fact
from briefer.text import ClaimSet, normalize, numbers, same_claim

# --- the old algorithms, as they were -------------------------------------------


def old_clusters(texts: list[str], threshold: float = cluster.NEAR_DUPLICATE) -> list[list[int]]:
    sigs = [signature(t) for t in texts]
    near = cluster.Candidates(cluster.signature_keys([s.hashvalues for s in sigs]))  # datasketch's LSH bands
    candidates = [(j, i) for i in range(len(texts)) for j in near[i] if j < i]
    return connected_groups(len(texts), candidates, lambda i, j: sigs[i].jaccard(sigs[j]) >= threshold)


def old_merge_facts(facts: list[GroundedFact]) -> tuple[list[GroundedFact], int]:
    pairs = ((i, j) for i in range(len(facts)) for j in range(i + 1, len(facts)))
    groups = connected_groups(len(facts), pairs, lambda i, j: same_fact(facts[i], facts[j]))
    merged = [_combine([facts[i] for i in group]) for group in groups]
    merged.sort(key=lambda f: (f.first, f.claim))
    return merged, len(facts) - len(merged)


def old_same_report(a: Fact, brief_a: Brief, b: Fact, brief_b: Brief) -> bool:
    quotes_a = normalize(" ".join(brief_a.citation(i).span.text for i in a.citations))
    quotes_b = normalize(" ".join(brief_b.citation(i).span.text for i in b.citations))
    return same_claim(
        a.claim, b.claim, same_evidence=fuzz.token_set_ratio(quotes_a, quotes_b) >= cluster.SIMILAR_QUOTES
    )


def old_story_facts(briefs: list[Brief]) -> list[StoryFact]:
    flat = [(n, f) for n, brief in enumerate(briefs) for f in brief.facts]
    pairs = ((i, j) for i in range(len(flat)) for j in range(i + 1, len(flat)))
    groups = connected_groups(
        len(flat),
        pairs,
        lambda i, j: old_same_report(flat[i][1], briefs[flat[i][0]], flat[j][1], briefs[flat[j][0]]),
        can_join=lambda a, b: not {flat[k][0] for k in a} & {flat[k][0] for k in b},
    )
    ordered = sorted(groups, key=lambda g: (-len({flat[k][0] for k in g}), min(g)))
    return [cluster._story_fact([flat[k] for k in g]) for g in ordered]


# --- synthetic articles ------------------------------------------------------------

SYLLABLES = "ka lo mi ren tas vor bel dun fis gar hol jun kep lim nor pas rud sel tom vin wex yar zol".split()


def words(rng: random.Random, n: int) -> list[str]:
    found: set[str] = set()
    while len(found) < n:
        found.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))))
    return sorted(found)


def zipf(rng: random.Random, pool: list[str], k: int) -> list[str]:
    return rng.choices(pool, [1 / (r + 1) ** 0.85 for r in range(len(pool))], k=k)


def corpus(n: int, seed: int = 1, topics: int = 10) -> tuple[list[str], list[tuple[int, int]]]:
    """``n`` articles and their ``(topic, event)`` labels."""
    rng = random.Random(seed)
    generic, names = words(rng, 1000), [w.capitalize() for w in words(rng, 80)]
    topic_words = [words(rng, 300) for _ in range(topics)]
    texts: list[str] = []
    labels: list[tuple[int, int]] = []
    while len(texts) < n:
        topic, event, event_words = rng.randrange(topics), len(set(labels)), words(rng, 30)
        for _ in range(min(rng.choice([1, 1, 2, 2, 3, 4, 5, 6]), n - len(texts))):
            body = zipf(rng, generic, 40) + zipf(rng, names, 5) + zipf(rng, topic_words[topic], 18)
            body += rng.sample(event_words, 26)
            rng.shuffle(body)
            texts.append(" ".join(body) + ".")
            labels.append((topic, event))
    return texts, labels


# --- synthetic facts: tests/synthetic.py, shared with the scaling tests ----------------------


def article_facts(n: int, seed: int = 2) -> list[GroundedFact]:
    """``n`` facts of one article from up to 8 chunks, about one in six restated."""
    return synthetic.article_facts(n, random.Random(seed), chunks=8)


def story_briefs(articles: int, seed: int = 3) -> list[Brief]:
    """``articles`` reports of one story, each restating 2 facts of a shared pool."""
    return synthetic.story_briefs(2 * articles, random.Random(seed))


# --- timing ------------------------------------------------------------------------------


def median_time(run: Callable[[], object], repeats: int) -> float:
    """Median seconds of ``repeats`` runs; one run if the first takes over 5 s."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
        if times[0] > 5:
            break
    return statistics.median(times)


def row(name: str, size: str, old: float, new: float, note: str = "") -> None:
    print(f"{name:<13} {size:>14} old {old:9.3f} s  new {new:8.3f} s  old/new {old / new:8.1f}x  {note}")


def bench_stories(n: int, repeats: int) -> None:
    texts, labels = corpus(n)
    before, after = old_clusters(texts), clusters(texts)
    old = median_time(lambda: old_clusters(texts), repeats)
    new = median_time(lambda: clusters(texts), repeats)
    largest = f"largest story {_largest(before, labels)} -> {_largest(after, labels)}"
    row("clusters", f"{n} articles", old, new, largest)
    print(
        f"{'':<28} stories {len(before)} -> {len(after)} for {len(set(labels))} events; "
        f"events split {_split(before, labels)} -> {_split(after, labels)}; "
        f"stories mixing events {_mixed(before, labels)} -> {_mixed(after, labels)}"
    )


def _largest(groups: list[list[int]], labels: list[tuple[int, int]]) -> str:
    big = max(groups, key=len)
    return f"{len(big)} ({len({labels[i][0] for i in big})} topics)"


def _mixed(groups: list[list[int]], labels: list[tuple[int, int]]) -> int:
    return sum(len({labels[i][1] for i in g}) > 1 for g in groups)


def _split(groups: list[list[int]], labels: list[tuple[int, int]]) -> int:
    story_of = {i: k for k, g in enumerate(groups) for i in g}
    stories: dict[int, set[int]] = {}
    for i, (_, event) in enumerate(labels):
        stories.setdefault(event, set()).add(story_of[i])
    return sum(len(s) > 1 for s in stories.values())


def bench_merge(n: int, repeats: int) -> None:
    facts = article_facts(n)
    before, after = old_merge_facts(facts), merge_facts(facts)
    old = median_time(lambda: old_merge_facts(facts), repeats)
    new = median_time(lambda: merge_facts(facts), repeats)
    row("merge_facts", f"{n} facts", old, new, f"{after[1]} folded, identical: {before == after}")
    tests, in_c = pair_tests(lambda: merge_facts(facts)), scored_in_c([f.claim for f in facts], scans=1)
    print(f"{'':<28} pair tests {n * (n - 1) // 2} -> {tests} (+ {in_c} pairs scored in C by cdist)")


def bench_story_facts(articles: int, repeats: int) -> None:
    briefs = story_briefs(articles)
    before, after = old_story_facts(briefs), story_facts(briefs)
    old = median_time(lambda: old_story_facts(briefs), repeats)
    new = median_time(lambda: story_facts(briefs), repeats)
    merged = sum(len(f.articles) > 1 for f in after)
    note = f"{merged} corroborated, identical: {before == after}"
    row("story_facts", f"{2 * articles} facts", old, new, note)
    n, claims = 2 * articles, [f.claim for b in briefs for f in b.facts]
    tests, in_c = pair_tests(lambda: story_facts(briefs)), scored_in_c(claims, scans=2)
    print(f"{'':<28} pair tests {n * (n - 1) // 2} -> {tests} (+ {in_c} pairs scored in C by cdist)")


def pair_tests(run: Callable[[], object]) -> int:
    """How many pairs get the per-pair test in Python (the old code tested every pair)."""
    count, same = [0], ClaimSet.same

    def counted(self: ClaimSet, i: int, j: int, *, same_evidence: bool) -> bool:
        count[0] += 1
        return same(self, i, j, same_evidence=same_evidence)

    ClaimSet.same = counted  # type: ignore[method-assign]
    try:
        run()
    finally:
        ClaimSet.same = same  # type: ignore[method-assign]
    return count[0]


def scored_in_c(claims: list[str], scans: int) -> int:
    """Pairs that cdist scores to find candidates: every pair of claims with the same numbers, per scan."""
    blocks = Counter(frozenset(numbers(c)) for c in claims)
    return scans * sum(k * (k - 1) // 2 for k in blocks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also 1,000 articles and 500/1,000 facts")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for n in (200, 500) + ((1000,) if args.full else ()):
        bench_stories(n, args.repeats)
    for n in (100, 250) + ((500, 1000) if args.full else ()):
        bench_merge(n, args.repeats)
    for articles in (50, 125) + ((250, 500) if args.full else ()):
        bench_story_facts(articles, args.repeats)


if __name__ == "__main__":
    main()
