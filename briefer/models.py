"""The data that flows through briefer, as pydantic models.

Offsets are Python string indices (code points) into ``Article.text``, the
article exactly as read (CRLF kept; a UTF-8 BOM is removed and recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_citations(citations: Sequence[Any], text_of: Callable[[Any], str], facts: Iterable[Any]) -> None:
    """DESIGN.md invariants 1 and 2, for briefs and digests alike: every citation's span is the
    exact text of its article (``text_of(citation)``), and every fact cites at least one citation."""
    ids = {c.id for c in citations}
    for c in citations:
        if text_of(c)[c.span.start : c.span.end] != c.span.text:
            raise ValueError(f"citation {c.id} does not match its article's text")
    for f in facts:
        if not f.citations or not set(f.citations) <= ids:
            raise ValueError(f"fact {f.claim!r} has no valid citation")


class Article(Strict):
    text: str
    title: str = ""
    source: str = ""  # path, URL or "-" for stdin
    url: str | None = None
    date: str | None = None  # ISO date when known
    bom_removed: bool = False
    language: str | None = None  # as the page declares it (HTML lang), a hint for detection


class Span(Strict):
    """A half-open range ``[start, end)`` of the article and the text it covers."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start or len(self.text) != self.end - self.start:
            raise ValueError(f"span [{self.start}, {self.end}) does not match its text length")
        return self

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Span:
        """The only way briefer makes a span: its text is cut from the source."""
        return cls(start=start, end=end, text=text[start:end])


class Chunk(Strict):
    index: int
    start: int
    end: int
    text: str


class FactKind(str, Enum):
    event = "event"
    actor = "actor"
    statement = "statement"
    number = "number"
    date = "date"
    place = "place"
    context = "context"


MatchTier = Literal["exact", "normalized", "fuzzy"]


class Citation(Strict):
    """A numbered, verified span; markers ``[id]`` in a brief point here."""

    id: int
    span: Span
    match: MatchTier
    score: float = 100.0


class Attribution(Strict):
    """Who asserts a fact and how sure the source is, decided from the source text, never the model's say-so."""

    speaker: str | None = None  # as written in the source; None: the article's own voice, or unnamed
    role: str | None = None  # as written in the source ("senior fellow at ...")
    named: bool = False  # a named person or organisation, not a group such as "analysts"
    cue: str | None = None  # the reporting cue as written ("said", "according to"); None: not reported speech
    direct: bool = False  # the cited words are inside quotation marks
    hedges: list[str] = []  # the source's hedges on the cited sentence ("could", "is expected to")
    speaker_citation: int | None = None  # the citation of the speaker's name in the source

    @property
    def reported(self) -> bool:
        return self.direct or self.cue is not None


class Fact(Strict):
    claim: str  # the model's sentence, checked against the cited spans
    kind: FactKind
    entities: list[str] = []
    citations: list[int]  # Citation ids, never empty
    statement: str = ""  # what a reader sees: the claim with its speaker or reporting cue ("" = the claim)
    attribution: Attribution = Attribution()


class DroppedFact(Strict):
    """A proposed fact that is not rendered, with the quotes the model gave and why it was dropped."""

    claim: str
    quotes: list[str]
    reason: str
    times: int = 1  # the same claim dropped for the same reason (small models repeat themselves)


class Usage(Strict):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class GroundingCounts(Strict):
    proposed: int = 0  # facts the model proposed, over every attempt
    grounded: int = 0  # of those, facts with at least one verified span
    dropped: int = 0  # proposed facts with no verified span, or unsupported (never rendered)
    unsupported: int = 0  # of the dropped, facts whose claim names what its quotes do not
    reasks: int = 0  # re-ask calls after invalid or ungrounded answers
    quotes: int = 0
    quotes_by_tier: dict[str, int] = {}
    quotes_rejected: int = 0
    merged: int = 0  # grounded facts folded into another by merge
    speakers_supplied: int = 0  # reported speech whose speaker the model omitted: taken from the source
    speakers_corrected: int = (
        0  # reported speech whose speaker the model got wrong: corrected from the source
    )
    resupported: int = (
        0  # claims cited by the article sentence that carries them instead of the model's quote
    )
    headlines_replaced: int = 0  # headline citations replaced by the body sentence that says the claim
    quoted_fallbacks: int = 0  # paraphrases the judge did not pass, rendered as the quote of their spans

    def __add__(self, other: GroundingCounts) -> GroundingCounts:
        tiers = dict(self.quotes_by_tier)
        for tier, n in other.quotes_by_tier.items():
            tiers[tier] = tiers.get(tier, 0) + n
        numbers = {
            k: getattr(self, k) + getattr(other, k)
            for k, f in type(self).model_fields.items()
            if f.annotation is int
        }
        return GroundingCounts(quotes_by_tier=dict(sorted(tiers.items())), **numbers)


class NotCovered(Strict):
    """A source or article that is not in a digest, and why (one line a reader can act on)."""

    source: str
    reason: str


class ChunkFailure(Strict):
    chunk: int
    start: int
    end: int
    reason: str


class BriefMeta(Strict):
    model: str
    prompt_version: str
    structured_mode: str
    briefer_version: str
    chunks: int
    usage: Usage
    counts: GroundingCounts
    failed_chunks: list[ChunkFailure] = []
    language: str = "en"  # the article's, as detected or set: it chose the splitter and the checks
    answer_language: str = "en"  # the claims'
    # What the statements are: "quote" (the source's own sentences, the model only chose them) or
    # "paraphrase" (the model's claims, checked; those a judge fails fall back to their quotes).
    statements: Literal["quote", "paraphrase"] = "paraphrase"


class Brief(Strict):
    article: Article
    facts: list[Fact]
    citations: list[Citation]
    meta: BriefMeta
    dropped: list[DroppedFact] = []

    @model_validator(mode="after")
    def _verified(self) -> Brief:
        check_citations(self.citations, lambda c: self.article.text, self.facts)
        return self

    def citation(self, cid: int) -> Citation:
        """Citation ``cid``: briefer numbers citations 1..N in order, so it is found without a scan
        (a scan per lookup was quadratic in a brief's citations); any other order falls back to one."""
        if 0 < cid <= len(self.citations) and self.citations[cid - 1].id == cid:
            return self.citations[cid - 1]
        return next(c for c in self.citations if c.id == cid)
