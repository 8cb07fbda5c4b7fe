"""Which articles report the same thing: exact duplicates, near-duplicate rewrites, stories.

Three tests, cheapest first:

1. the same canonical URL (done by the caller: one article per key);
2. the same :func:`content_hash`: the text with whitespace folded and case
   ignored, so a syndicated copy on another site is one article with two
   addresses, not two sources;
3. near duplicates: two outlets rewriting the same news share names, places,
   numbers and rare words even when no sentence matches. Each article becomes
   a set of *features* (its content words, lower-cased, stop words dropped,
   lightly stemmed); a MinHash of 256 permutations estimates the Jaccard
   similarity of two sets, and banding it (LSH: 128 bands of 2 values) finds
   candidate pairs without comparing every pair. Two articles at or above
   :data:`NEAR_DUPLICATE` are *similar*. The MinHash is datasketch's
   (2.x, scheme "affine32") computed on numpy directly, bit for bit, and the
   bands are those its ``MinHashLSH(threshold=0.15, weights=(0.1, 0.9))``
   chooses: datasketch imported scipy, about 50 MB and 0.5 s for two numbers.

A story is one event, so similarity is not taken transitively: at a Jaccard
of 0.15, A~B~C~D chains a tech report to a football report through articles
that each share a few generic words and names with the next. Instead
(:func:`briefer.groups.seeded_groups`) articles are placed most central
first (by how far their similar candidates exceed the threshold, summed),
so a story's seed is a core report, not one on the edge between two topics.
An article joins a story only if it is similar to the seed and to more than
half of the members, choosing the story it is most similar to on average;
a story takes at most :data:`MAX_STORY` articles; otherwise the article
seeds a new story. Every report is then one step from its seed, and an
article that shares words with two topics joins one story without pulling
the other topic in after it.

Word shingles of three or more words, the usual choice for plagiarism, fail
here: rewrites in different words share almost none. Adding word pairs to
the unigrams lowered every score without improving the separation. On the
hand-written test set (11 articles, 55 pairs, 3 same-story pairs; see
``tests/test_digest_cluster.py``) same-story pairs score 0.24-0.33 and
different-story pairs at most 0.09 (a different story about the same ferry
company and island), so the threshold of 0.15 finds 3 of 3 with no false
positive. Short articles, or two different events sharing many names (two
votes of one council), are where this will merge or split wrongly.

Facts are merged across the reports of one story by :func:`story_facts`:
two facts of different reports are one when :func:`briefer.text.same_claim`
says so, their quotes' token-set ratio deciding whether the evidence
agrees. Claims and quotes are normalized once, and only pairs that can pass
are tested (:class:`briefer.text.ClaimSet`), in the order of testing every
pair, so the result is that of testing every pair.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from rapidfuzz import fuzz

from ..groups import connected_groups, seeded_groups
from ..language import language
from ..models import Brief, Fact, FactKind
from ..text import NEWS_FILLER, STOP_WORDS, ClaimSet, normalize, stem

if TYPE_CHECKING:
    import numpy as np

NEAR_DUPLICATE = 0.15
MAX_STORY = 30  # articles in one story at most: a bigger one is a blob, not an event
NUM_PERM = 256
# LSH bands (count, values per band): what datasketch's _optimal_param gives for NEAR_DUPLICATE,
# NUM_PERM and weights (0.1, 0.9), which favour recall: candidates are checked against the estimate.
BANDS, ROWS = 128, 2
_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = STOP_WORDS | NEWS_FILLER
_EMPTY = 0xFFFFFFFF  # the hash value of no feature at all
_BLOCK = 512  # rows compared at once when finding candidates: memory stays _BLOCK x articles bytes


def content_hash(text: str) -> str:
    """The same for two copies that differ only in whitespace or case."""
    return hashlib.sha256(" ".join(text.casefold().split()).encode()).hexdigest()


# Scripts written without spaces (kana, CJK ideographs, Thai): a "word" there is a whole clause,
# so their features are pairs of characters.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def features(text: str, stop_words: frozenset[str] = STOPWORDS) -> set[str]:
    """The words a report is compared by: stemmed, without the language's stop words; character pairs
    where the script has no spaces."""
    found = set()
    for w in _WORD.findall(text.casefold()):
        if _UNSPACED.search(w):
            found.update(w[i : i + 2] for i in range(len(w) - 1))
        elif w not in stop_words and (len(w) > 2 or w.isdigit()):
            found.add(stem(w))
    return found


def stop_words_of(language_code: str) -> frozenset[str]:
    """English stop words and news filler, plus the stop words of the report's own language."""
    return STOPWORDS if language_code == "en" else STOPWORDS | language(language_code).stop_words


class Signature(NamedTuple):
    """A text's MinHash: the least of each permutation over its features' hashes (uint32)."""

    hashvalues: np.ndarray

    def jaccard(self, other: Signature) -> float:
        """The estimated Jaccard similarity: the share of permutations whose minima agree."""
        return int((self.hashvalues == other.hashvalues).sum()) / NUM_PERM


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine permutations ``h -> a * h + b mod 2**32`` (``a`` odd) for seed 1."""
    import numpy as np  # imported here: not needed at every CLI start

    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer, a bijection that spreads the input hashes (wrapping uint32 arithmetic)."""
    import numpy as np

    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signature(text: str, stop_words: frozenset[str] = STOPWORDS) -> Signature:
    import numpy as np

    a, b = _permutations()
    found = sorted(features(text, stop_words))
    if not found:
        return Signature(np.full(NUM_PERM, _EMPTY, dtype=np.uint32))
    hashes = [int.from_bytes(hashlib.sha1(f.encode()).digest()[:4], "little") for f in found]
    mixed = _fmix32(np.array(hashes, dtype=np.uint32).reshape(-1, 1))
    return Signature((mixed * a + b).min(axis=0))


def similarity(a: str, b: str) -> float:
    """The estimated Jaccard similarity of two texts' feature sets."""
    return signature(a).jaccard(signature(b))


def candidates(hashes: np.ndarray) -> list[np.ndarray]:
    """For each row, the other rows that agree with it on both values of at least one band (ascending).

    A dense day makes most pairs candidates (720 of 1,000 articles each in the
    benchmark's corpus), so rows are compared in blocks on numpy and each
    answer is an int32 array: sets of Python ints took 40 MB at 1,000 articles.
    """
    import numpy as np

    bands = np.ascontiguousarray(hashes[:, : BANDS * ROWS]).view(np.uint64)  # one number per band (ROWS=2)
    near = []
    for top in range(0, len(bands), _BLOCK):
        block = bands[top : top + _BLOCK]
        same = np.zeros((len(block), len(bands)), dtype=bool)
        for band in range(BANDS):
            same |= block[:, band, None] == bands[None, :, band]
        for r, row in enumerate(same):
            row[top + r] = False
            near.append(np.flatnonzero(row).astype(np.int32))
    return near


def clusters(
    texts: Sequence[str],
    threshold: float = NEAR_DUPLICATE,
    max_size: int = MAX_STORY,
    languages: Sequence[str] | None = None,
) -> list[list[int]]:
    """Stories: groups of indices into ``texts`` that report one event, in first-index order.

    ``languages`` (one ISO code per text; English when not given) choose the stop words left out.
    """
    import numpy as np

    codes = languages or ["en"] * len(texts)
    rows = [signature(t, stop_words_of(code)).hashvalues for t, code in zip(texts, codes, strict=True)]
    hashes = np.array(rows, dtype=np.uint32).reshape(len(texts), NUM_PERM)
    near = candidates(hashes)

    def scores(i: int, others: list[int]) -> list[float]:  # Signature.jaccard, one row per other
        return list(np.count_nonzero(hashes[others] == hashes[i], axis=1) / NUM_PERM)

    return seeded_groups(near, scores, threshold, max_size)


# --- one story's facts, merged across its articles --------------------------------

SIMILAR_QUOTES = 60.0  # token-set ratio of two facts' quotes: the evidence agrees


@dataclass
class StoryFact:
    """A fact of one story: the claim of its first report and every ``(article, citation id)`` behind it."""

    claim: str
    statement: str
    kind: FactKind
    refs: list[tuple[int, int]]

    @property
    def articles(self) -> list[int]:
        return sorted({a for a, _ in self.refs})


def story_facts(briefs: Sequence[Brief]) -> list[StoryFact]:
    """Facts of several reports of one story, merged across reports, never within one (the pipeline did that).

    Facts stated by more reports come first; ties keep article order, then order within the article.
    """
    flat = [(n, f) for n, brief in enumerate(briefs) for f in brief.facts]
    claims = ClaimSet([f.claim for _, f in flat])
    spans = [_span_texts(b) for b in briefs]
    quotes = [_quotes(spans[n], f) for n, f in flat]

    def same(i: int, j: int) -> bool:
        similar_quotes = fuzz.token_set_ratio(quotes[i], quotes[j]) >= SIMILAR_QUOTES
        return claims.same(i, j, same_evidence=similar_quotes)

    candidates = sorted(  # two facts of one report never merge: those pairs need no test
        (i, j) for i, j in claims.near_identical() | claims.similar() if flat[i][0] != flat[j][0]
    )
    groups = connected_groups(
        len(flat),
        candidates,
        same,
        can_join=lambda a, b: not {flat[k][0] for k in a} & {flat[k][0] for k in b},
    )
    ordered = sorted(groups, key=lambda g: (-len({flat[k][0] for k in g}), min(g)))
    return [_story_fact([flat[k] for k in g]) for g in ordered]


def _span_texts(brief: Brief) -> dict[int, str]:
    texts: dict[int, str] = {}
    for c in brief.citations:
        texts.setdefault(c.id, c.span.text)  # the first citation with an id, like Brief.citation
    return texts


def _quotes(spans: dict[int, str], fact: Fact) -> str:
    """The fact's quotes, joined and normalized: what two reports' evidence is compared on."""
    return normalize(" ".join(spans[i] for i in fact.citations))


def _story_fact(members: list[tuple[int, Fact]]) -> StoryFact:
    lead = members[0][1]
    refs = [(n, cid) for n, f in members for cid in f.citations]
    return StoryFact(claim=lead.claim, statement=lead.statement or lead.claim, kind=lead.kind, refs=refs)
