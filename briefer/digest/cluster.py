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
   (2.x, scheme "affine32") bit for bit, and the bands are those its
   ``MinHashLSH(threshold=0.15, weights=(0.1, 0.9))`` chooses: datasketch
   imported scipy, about 50 MB and 0.5 s for two numbers. It is computed in
   pure Python, every permutation of a feature in one multiplication of
   big ints (:func:`signature`), and signatures are compared as strings by
   rapidfuzz's Hamming distance in C: numpy, which did both before, added
   11 MB to a digest's peak memory for this alone.

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

A story is one event, not one theme: two reports similar only in words
must also share a distinctive name or figure (:mod:`briefer.digest.events`),
so two features on one theme stay apart.

Facts are merged across the reports of one story in
:mod:`briefer.digest.storyfacts` (re-exported here).
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import re
from array import array
from collections.abc import Sequence
from typing import NamedTuple

from rapidfuzz.distance import Hamming

from ..groups import seeded_groups
from ..language import language
from ..text import NEWS_FILLER, STOP_WORDS, stem
from . import permutations
from .events import Evidence
from .storyfacts import SIMILAR_QUOTES, StoryFact, _story_fact, story_facts

__all__ = [
    "SIMILAR_QUOTES",
    "StoryFact",
    "_story_fact",
    "clusters",
    "content_hash",
    "similarity",
    "story_facts",
]

NEAR_DUPLICATE = 0.15
MAX_STORY = 30  # articles in one story at most: a bigger one is a blob, not an event
NUM_PERM = 256
# LSH bands (count, values per band): what datasketch's _optimal_param gives for NEAR_DUPLICATE,
# NUM_PERM and weights (0.1, 0.9), which favour recall: candidates are checked against the estimate.
BANDS, ROWS = 128, 2
_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = STOP_WORDS | NEWS_FILLER
_EMPTY = 0xFFFFFFFF  # the hash value of no feature at all


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

    hashvalues: array[int]

    def jaccard(self, other: Signature) -> float:
        """The estimated Jaccard similarity: the share of permutations whose minima agree."""
        return sum(map(operator.eq, self.hashvalues, other.hashvalues)) / NUM_PERM


# The permutations side by side in one Python int, one 64-bit lane each, so that one multiplication
# hashes a feature under all of them: a * h + b < 2**64 for 32-bit a, h and b, so no lane carries
# into the next. Only the low 32 bits of a lane are kept (the uint32 wrap-around).
_LANES = NUM_PERM * 8  # bytes
_LOW = int.from_bytes(array("Q", [0xFFFFFFFF] * NUM_PERM).tobytes(), "little")
_BIT32 = int.from_bytes(array("Q", [1 << 32] * NUM_PERM).tobytes(), "little")  # bit 32 of every lane
_A = int.from_bytes(array("Q", permutations.A).tobytes(), "little")
_B = int.from_bytes(array("Q", permutations.B).tobytes(), "little")


def _fmix32(h: int) -> int:
    """MurmurHash3's finalizer, a bijection that spreads the input hashes (uint32 arithmetic)."""
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def _lane_min(x: int, y: int) -> int:
    """The lane-wise minimum of two packed signatures (each lane below 2**32)."""
    x_ge_y = ((x | _BIT32) - y) & _BIT32  # bit 32 of a lane stays set iff x >= y there: no borrow
    take_y = (x_ge_y >> 32) * 0xFFFFFFFF  # 0xFFFFFFFF in those lanes, else 0
    return (y & take_y) | (x & (take_y ^ _LOW))


def signature(text: str, stop_words: frozenset[str] = STOPWORDS) -> Signature:
    """datasketch's MinHash of the text's features, all permutations at once in one big int per feature."""
    least = None
    for f in features(text, stop_words):
        h = _fmix32(int.from_bytes(hashlib.sha1(f.encode()).digest()[:4], "little"))
        lanes = (_A * h + _B) & _LOW
        least = lanes if least is None else _lane_min(least, lanes)
    if least is None:
        return Signature(array("I", [_EMPTY] * NUM_PERM))
    return Signature(array("I", array("Q", least.to_bytes(_LANES, "little"))))


def similarity(a: str, b: str) -> float:
    """The estimated Jaccard similarity of two texts' feature sets."""
    return signature(a).jaccard(signature(b))


def signature_keys(signatures: Sequence[Sequence[int]]) -> list[str]:
    """Each signature as a string, one character per permutation: equal values, equal characters.

    A value becomes its rank of first appearance at its position, so the
    characters stay below the number of texts; two keys' Hamming distance is
    the number of permutations on which the signatures differ, which
    rapidfuzz counts in C.
    """
    seen: list[dict[int, int]] = [{} for _ in range(NUM_PERM)]
    return [
        "".join([chr(ids.setdefault(v, len(ids))) for ids, v in zip(seen, row, strict=True)])
        for row in signatures
    ]


class Candidates(Sequence[list[int]]):
    """For each text, the others that agree with it on both values of at least one band (ascending).

    Kept as one bit mask per text and listed on request: a dense day makes
    most pairs candidates (720 of 1,000 articles each in the benchmark's
    corpus), and lists of Python ints for them all took 40 MB at 1,000 articles.
    """

    _BITS = bytes.maketrans(b"01", b"\x00\x01")

    def __init__(self, keys: Sequence[str]) -> None:
        masks = [0] * len(keys)
        for band in range(0, BANDS * ROWS, ROWS):
            buckets: dict[str, int] = {}
            for i, key in enumerate(keys):
                part = key[band : band + ROWS]
                buckets[part] = buckets.get(part, 0) | 1 << i
            for i, key in enumerate(keys):
                masks[i] |= buckets[key[band : band + ROWS]]
        self.masks = [mask & ~(1 << i) for i, mask in enumerate(masks)]

    def __len__(self) -> int:
        return len(self.masks)

    def __getitem__(self, i: int) -> list[int]:  # type: ignore[override]
        bits = bin(self.masks[i])[:1:-1].encode().translate(self._BITS)  # lowest bit first
        return list(itertools.compress(range(len(bits)), bits))


def clusters(
    texts: Sequence[str],
    threshold: float = NEAR_DUPLICATE,
    max_size: int = MAX_STORY,
    languages: Sequence[str] | None = None,
) -> list[list[int]]:
    """Stories: groups of indices into ``texts`` that report one event, in first-index order.

    ``languages`` (one ISO code per text; English when not given) choose the stop words left out.
    """
    codes = languages or ["en"] * len(texts)
    keys = signature_keys(
        [signature(t, stop_words_of(code)).hashvalues for t, code in zip(texts, codes, strict=True)]
    )
    distance = Hamming.distance
    evidence = Evidence(texts, codes, threshold)

    def scores(i: int, others: list[int]) -> list[float]:  # Signature.jaccard, one per other, one event
        mine = keys[i]
        return evidence.weigh(i, others, [(NUM_PERM - distance(mine, keys[j])) / NUM_PERM for j in others])

    return seeded_groups(Candidates(keys), scores, threshold, max_size)
