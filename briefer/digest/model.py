"""A digest as data: its articles, stories, merged facts and digest-wide citations.

The :class:`Digest` validator pins the invariants: every citation's quote is
its article's exact text, and every fact cites at least one citation.
:class:`DaySummary` is the part of a written day the Atom feed reads back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer, model_validator

from ..models import Brief, FactKind, MatchTier, NotCovered, Span, Strict, check_citations
from ..sources.config import invalid

__all__ = ["DaySummary", "Digest", "DigestArticle", "DigestCitation", "DigestFact", "NotCovered", "Story"]


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
    articles: list[str]  # every report the fact cites
    corroborated: bool  # two reports or more carry the statement in their own cited spans
    corroborated_by: list[str] = []  # the reports whose cited spans carry it; left out of the JSON when empty

    @property
    def backers(self) -> list[str]:
        """The reports that carry the statement (in a digest written before the check: all, if corroborated)."""
        return self.corroborated_by or (list(self.articles) if self.corroborated else [])

    @model_serializer(mode="wrap")
    def _unchecked_as_before(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A digest written before the check keeps its JSON byte for byte."""
        data = handler(self)
        if not self.corroborated_by:
            data.pop("corroborated_by", None)
        return data


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
        try:
            check_digest(self.citations, {a.label: a.brief.article.text for a in self.articles}, self.stories)
        except ValueError as exc:
            raise invalid(str(exc)) from None
        return self

    def citation(self, cid: int) -> DigestCitation:
        return next(c for c in self.citations if c.id == cid)

    def json_chunks(self) -> Iterator[str]:
        """The day's JSON file, less its final newline (as :meth:`AssembledDigest.json_chunks` gives it)."""
        yield self.model_dump_json(indent=2)

    def models(self) -> list[str]:
        """The models and prompt versions the briefs came from, one line each."""
        return sorted({model_line(a.brief) for a in self.articles})


def check_digest(citations: list[DigestCitation], texts: dict[str, str], stories: Sequence[Story]) -> None:
    """Every citation quotes its article (label -> text) exactly; every fact cites (``ValueError`` if not)."""
    check_citations(citations, lambda c: texts[c.article], (f for s in stories for f in s.facts))


def model_line(brief: Brief) -> str:
    return f"{brief.meta.model} · prompt {brief.meta.prompt_version}"


class _Part(BaseModel):
    """Part of a day's JSON: fields not named here (an article's brief) are skipped, not built."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class _Source(_Part):
    label: str
    title: str
    addresses: list[str]


class _Quote(_Part):
    text: str


class _Cited(_Part):
    id: int
    span: _Quote


class DaySummary(_Part):
    """What a feed entry shows of a day written before: its stories, sources and quotes."""

    name: str
    date: str
    stories: list[Story]
    articles: list[_Source]
    citations: list[_Cited]
    not_covered: list[NotCovered] = []
    left_out: dict[str, int] = {}
