"""One story's facts, merged across its reports.

Facts are merged across the reports of one story by :func:`story_facts`:
two facts of different reports are one when :func:`briefer.text.same_claim`
says so, their quotes' token-set ratio deciding whether the evidence
agrees. Claims and quotes are normalized once, and only pairs that can pass
are tested (:class:`briefer.text.ClaimSet`), in the order of testing every
pair, so the result is that of testing every pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..groups import connected_groups
from ..models import Brief, Fact, FactKind
from ..text import ClaimSet, normalize

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
