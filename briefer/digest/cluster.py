"""Which articles report the same thing: exact duplicates and near-duplicate rewrites.

Three tests, cheapest first:

1. the same canonical URL (done by the caller: one article per key);
2. the same :func:`content_hash`: the text with whitespace folded and case
   ignored, so a syndicated copy on another site is one article with two
   addresses, not two sources;
3. near duplicates: two outlets rewriting the same news share names, places,
   numbers and rare words even when no sentence matches. Each article becomes
   a set of *features* (its content words, lower-cased, stop words dropped,
   lightly stemmed); datasketch's MinHash (256 permutations) estimates the
   Jaccard similarity of two sets, and MinHashLSH finds candidate pairs
   without comparing every pair. Pairs at or above :data:`NEAR_DUPLICATE`
   join one story (union-find, so the relation is transitive).

Word shingles of three or more words, the usual choice for plagiarism, fail
here: rewrites in different words share almost none. Adding word pairs to
the unigrams lowered every score without improving the separation. On the
hand-written test set (11 articles, 55 pairs, 3 same-story pairs; see
``tests/test_digest_cluster.py``) same-story pairs score 0.24-0.33 and
different-story pairs at most 0.09 (a different story about the same ferry
company and island), so the threshold of 0.15 finds 3 of 3 with no false
positive. Short articles, or two different events sharing many names (two
votes of one council), are where this will merge or split wrongly.

Facts are merged across the reports of one story by :func:`story_facts`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from ..groups import connected_groups
from ..models import Brief, Fact, FactKind
from ..text import NEWS_FILLER, STOP_WORDS, normalize, same_claim, stem

if TYPE_CHECKING:
    from datasketch import MinHash

NEAR_DUPLICATE = 0.15
NUM_PERM = 256
_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = STOP_WORDS | NEWS_FILLER


def content_hash(text: str) -> str:
    """The same for two copies that differ only in whitespace or case."""
    return hashlib.sha256(" ".join(text.casefold().split()).encode()).hexdigest()


def features(text: str) -> set[str]:
    words = [
        stem(w) for w in _WORD.findall(text.casefold()) if w not in STOPWORDS and (len(w) > 2 or w.isdigit())
    ]
    return set(words)


def signature(text: str) -> MinHash:
    from datasketch import MinHash  # imported here: it pulls in scipy (0.5 s at every CLI start)

    sig = MinHash(num_perm=NUM_PERM, seed=1)
    sig.update_batch([f.encode() for f in sorted(features(text))])
    return sig


def similarity(a: str, b: str) -> float:
    """The estimated Jaccard similarity of two texts' feature sets."""
    return signature(a).jaccard(signature(b))


def clusters(texts: Sequence[str], threshold: float = NEAR_DUPLICATE) -> list[list[int]]:
    """Groups of indices into ``texts`` that report the same thing, in first-index order."""
    sigs = [signature(t) for t in texts]
    # Candidates are checked against the estimate below, so favour recall over precision.
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=(0.1, 0.9))
    candidates = []
    for i, sig in enumerate(sigs):
        candidates += [(j, i) for j in lsh.query(sig)]
        lsh.insert(i, sig)
    return connected_groups(len(texts), candidates, lambda i, j: sigs[i].jaccard(sigs[j]) >= threshold)


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


def same_report(a: Fact, brief_a: Brief, b: Fact, brief_b: Brief) -> bool:
    """Two articles state the same fact: near-identical claims, or similar claims over similar quotes."""
    quotes_a = normalize(" ".join(brief_a.citation(i).span.text for i in a.citations))
    quotes_b = normalize(" ".join(brief_b.citation(i).span.text for i in b.citations))
    return same_claim(
        a.claim, b.claim, same_evidence=fuzz.token_set_ratio(quotes_a, quotes_b) >= SIMILAR_QUOTES
    )


def story_facts(briefs: Sequence[Brief]) -> list[StoryFact]:
    """Facts of several reports of one story, merged across reports, never within one (the pipeline did that).

    Facts stated by more reports come first; ties keep article order, then order within the article.
    """
    flat = [(n, f) for n, brief in enumerate(briefs) for f in brief.facts]
    pairs = ((i, j) for i in range(len(flat)) for j in range(i + 1, len(flat)))
    groups = connected_groups(
        len(flat),
        pairs,
        lambda i, j: same_report(flat[i][1], briefs[flat[i][0]], flat[j][1], briefs[flat[j][0]]),
        can_join=lambda a, b: not {flat[k][0] for k in a} & {flat[k][0] for k in b},
    )
    ordered = sorted(groups, key=lambda g: (-len({flat[k][0] for k in g}), min(g)))
    return [_story_fact([flat[k] for k in g]) for g in ordered]


def _story_fact(members: list[tuple[int, Fact]]) -> StoryFact:
    lead = members[0][1]
    refs = [(n, cid) for n, f in members for cid in f.citations]
    return StoryFact(claim=lead.claim, statement=lead.statement or lead.claim, kind=lead.kind, refs=refs)
