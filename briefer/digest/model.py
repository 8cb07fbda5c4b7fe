"""A digest as data: its articles, stories, merged facts and digest-wide citations.

The :class:`Digest` validator pins the invariants: every citation's quote is
its article's exact text, and every fact cites at least one citation.
"""

from __future__ import annotations

from pydantic import model_validator

from ..models import Brief, FactKind, MatchTier, NotCovered, Span, Strict, check_citations
from ..sources.config import invalid

__all__ = ["Digest", "DigestArticle", "DigestCitation", "DigestFact", "NotCovered", "Story"]


class DigestArticle(Strict):
    label: str
    title: str
    addresses: list[str]  # where it was read; several when exact copies were found
    origin: str  # the configured source it came from
    brief: Brief


class DigestCitation(Strict):
    id: int
    article: str
    span: Span
    match: MatchTier


class DigestFact(Strict):
    claim: str
    statement: str = ""  # the claim with its speaker, as in the report it came from
    kind: FactKind
    citations: list[int]
    articles: list[str]
    corroborated: bool


class Story(Strict):
    title: str
    articles: list[str]
    facts: list[DigestFact]


class Digest(Strict):
    name: str
    date: str
    stories: list[Story]
    articles: list[DigestArticle]
    citations: list[DigestCitation]
    not_covered: list[NotCovered] = []
    left_out: dict[str, int] = {}

    @model_validator(mode="after")
    def _resolves(self) -> Digest:
        texts = {a.label: a.brief.article.text for a in self.articles}
        try:
            check_citations(
                self.citations, lambda c: texts[c.article], (f for s in self.stories for f in s.facts)
            )
        except ValueError as exc:
            raise invalid(str(exc)) from None
        return self

    def citation(self, cid: int) -> DigestCitation:
        return next(c for c in self.citations if c.id == cid)
