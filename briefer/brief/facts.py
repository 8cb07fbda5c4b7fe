"""What extraction yields, per chunk and per fact, and the options it runs with.

Kept apart from :mod:`briefer.brief.extract` so that both ways of making a
statement (paraphrase: the model's claim, checked; quote: the source's sentence)
build the same :class:`GroundedFact`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..models import Attribution, DroppedFact, FactKind, GroundingCounts, Usage
from ..text import NUMBER_WORD
from .grounding import Grounded


@dataclass(frozen=True)
class ExtractOptions:
    max_tokens: int = 1024
    max_reasks: int = 2
    max_facts: int = 8
    temperature: float = 0.0
    language: str = "auto"  # the article's: "auto" detects it
    answer_language: str = ""  # the claims': "" means the article's
    statements: str = "paraphrase"  # "quote" or "paraphrase", as runtime.statement_mode decided

    @classmethod
    def from_settings(cls, settings: Any) -> ExtractOptions:
        fields = ("max_tokens", "max_reasks", "max_facts", "temperature", "language", "answer_language")
        return cls(**{f: getattr(settings, f) for f in fields})


@dataclass
class GroundedFact:
    claim: str
    kind: FactKind
    entities: list[str]
    grounded: list[Grounded]  # content spans, and the speaker's name span if any
    chunk: int
    statement: str = ""
    attribution: Attribution = field(default_factory=Attribution)
    speaker_span: tuple[int, int] | None = None

    @property
    def first(self) -> int:
        """Where the fact's content starts in the article (its speaker's name does not count)."""
        content = [
            g for g in self.grounded if (g.span.start, g.span.end) != self.speaker_span
        ] or self.grounded
        return min(g.span.start for g in content)


@dataclass
class ChunkOutcome:
    facts: list[GroundedFact] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    counts: GroundingCounts = field(default_factory=GroundingCounts)
    dropped: list[DroppedFact] = field(default_factory=list)
    failure: str | None = None

    def absorb(self, other: ChunkOutcome) -> None:
        self.facts += other.facts
        self.dropped += other.dropped
        self.usage += other.usage
        self.counts = self.counts + other.counts
        self.failure = self.failure or other.failure


_DATE_WORDS = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|today|yesterday|tomorrow"
    r"|week|month|year|spring|summer|autumn|fall|winter|century|decade)",
    re.IGNORECASE,
)


def checked_kind(kind: FactKind, claim: str) -> FactKind:
    """Small models label almost anything "number" or "date"; demote labels the claim cannot bear."""
    if kind == FactKind.number and not (
        re.search(r"\d|\bper ?cent", claim, re.IGNORECASE) or NUMBER_WORD.search(claim.casefold())
    ):
        return FactKind.context
    if kind == FactKind.date and not _DATE_WORDS.search(claim):
        return FactKind.context
    return kind
