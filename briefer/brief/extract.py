"""Ask the LLM for facts in one chunk, validate and ground them, re-ask on bad output.

Two loops, kept apart: transient HTTP failures are retried inside the backend
(:mod:`briefer.llm.openai`); here a *bounded re-ask* appends the concrete problems
(invalid JSON or fields, quotes not found in the source) to a copy of the
messages and asks again. Usage is summed over every call. A truncated answer
(``finish_reason == "length"``) is never parsed: the budget is raised once,
then the chunk is split in two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..errors import LLMError
from ..llm.base import Backend, ChatRequest, ChatResult
from ..models import Attribution, Chunk, DroppedFact, FactKind, GroundingCounts, Usage
from ..text import NUMBER_WORD
from .check import check_fact
from .chunking import sentence_spans
from .context import ArticleContext
from .grounding import Grounded, ground_quote_parts
from .prompts import Extraction, ProposedFact, extraction_schema, facts_wanted, load_prompts
from .reasons import for_reader


@dataclass(frozen=True)
class ExtractOptions:
    max_tokens: int = 1024
    max_reasks: int = 2
    max_facts: int = 8
    temperature: float = 0.0
    language: str = "auto"  # the article's: "auto" detects it
    answer_language: str = ""  # the claims': "" means the article's

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


MAX_TOKENS_CAP = 4096
REQUESTS_PER_ATTEMPT = 4  # a chunk may make 4 requests per allowed attempt (re-asks + 1), halves included


class Truncated(Exception):
    def __init__(self, message: str, usage: Usage):
        super().__init__(message)
        self.usage = usage


class RequestCap(Exception):
    """A chunk used up its request allowance: no fault pattern may amplify past it."""


@dataclass
class Allowance:
    """Requests one chunk may still make, over re-asks, raised budgets and halves together."""

    left: int

    @classmethod
    def for_chunk(cls, options: ExtractOptions) -> Allowance:
        return cls(REQUESTS_PER_ATTEMPT * (options.max_reasks + 1))

    def take(self) -> None:
        if self.left <= 0:
            raise RequestCap("it used up its request allowance (answers kept being cut off or invalid)")
        self.left -= 1


def extract_chunk(
    backend: Backend,
    ctx: ArticleContext,
    chunk: Chunk,
    options: ExtractOptions,
    allowance: Allowance | None = None,
) -> ChunkOutcome:
    """Facts of one chunk; a chunk whose answer stays truncated is split in two and retried."""
    allowance = allowance or Allowance.for_chunk(options)
    try:
        return _extract(backend, ctx, chunk, options, allowance)
    except Truncated as exc:
        outcome = ChunkOutcome(usage=exc.usage)
        halves = _halves(ctx.text, chunk, ctx.language.code)
        if not halves:
            outcome.failure = str(exc)
            return outcome
        for half in halves:
            outcome.absorb(extract_chunk(backend, ctx, half, options, allowance))
        return outcome
    except (RequestCap, LLMError) as exc:  # one chunk's failure never loses the others
        return ChunkOutcome(failure=str(exc))


def _halves(text: str, chunk: Chunk, language: str) -> list[Chunk]:
    cuts = [s for s, _ in sentence_spans(chunk.text, language)][1:]
    if not cuts:
        return []
    mid = chunk.start + cuts[len(cuts) // 2]
    return [
        Chunk(index=chunk.index, start=chunk.start, end=mid, text=text[chunk.start : mid]),
        Chunk(index=chunk.index, start=mid, end=chunk.end, text=text[mid : chunk.end]),
    ]


def _extract(
    backend: Backend, ctx: ArticleContext, chunk: Chunk, options: ExtractOptions, allowance: Allowance
) -> ChunkOutcome:
    prompts = load_prompts()
    min_facts = facts_wanted(chunk, options.max_facts, ctx.language.code)
    messages = prompts.messages(ctx.article, chunk, options.max_facts, min_facts, ctx.language, ctx.answer)
    schema = extraction_schema(options.max_facts, min_facts)
    outcome = ChunkOutcome()
    last_error = None
    for attempt in range(options.max_reasks + 1):
        result = _complete(backend, messages, schema, options, outcome, allowance)
        problems, parsed = _check(result.content, ctx, chunk, outcome)
        last_error = problems[0] if problems and not parsed else last_error
        if not problems or attempt == options.max_reasks:
            break
        outcome.counts.reasks += 1
        reask = prompts.reask(problems, only_failed=parsed)
        messages = (
            *messages,
            {"role": "assistant", "content": result.content},
            {"role": "user", "content": reask},
        )
        if parsed:  # only the failed facts are asked again: a short answer, not the whole list
            schema = extraction_schema(min(len(problems), options.max_facts), 1)
    if not outcome.facts and last_error and not outcome.counts.proposed:
        outcome.failure = (
            f"the LLM kept returning invalid output after {options.max_reasks} re-asks ({last_error})"
        )
    return outcome


def _complete(
    backend: Backend,
    messages: tuple,
    schema: dict,
    options: ExtractOptions,
    outcome: ChunkOutcome,
    allowance: Allowance,
) -> ChatResult:
    budget = options.max_tokens
    while True:
        request = ChatRequest(
            messages=messages,
            schema=schema,
            schema_name="extraction",
            max_tokens=budget,
            temperature=options.temperature,
        )
        allowance.take()
        result = backend.chat(request)
        outcome.usage += result.usage
        if result.finish_reason != "length":
            return result
        if budget >= min(MAX_TOKENS_CAP, options.max_tokens * 2):
            raise Truncated(f"the LLM's answer was cut off at {budget} tokens", outcome.usage)
        budget = min(MAX_TOKENS_CAP, budget * 2)


def _check(content: str, ctx: ArticleContext, chunk: Chunk, outcome: ChunkOutcome) -> tuple[list[str], bool]:
    """Validate, ground and check one answer into ``outcome``; return the problems to re-ask about."""
    try:
        extraction = Extraction.model_validate_json(content)
    except ValidationError as exc:
        return [_validation_problem(exc)], False
    problems = []
    counts = outcome.counts
    for proposed in extraction.facts:
        counts.proposed += 1
        grounded = _ground_all(ctx.text, proposed.quotes, (chunk.start, chunk.end), counts)
        checked = (
            _no_quote(proposed)
            if not grounded
            else check_fact(proposed.claim.strip(), proposed.speaker, grounded, ctx, counts)
        )
        if isinstance(checked, str):
            counts.dropped += 1
            counts.unsupported += bool(grounded)
            reason = for_reader(checked)  # the re-ask gets `checked`, the reader this
            outcome.dropped.append(DroppedFact(claim=proposed.claim, quotes=proposed.quotes, reason=reason))
            problems.append(checked)
            continue
        counts.grounded += 1
        entities = [e.strip() for e in proposed.entities if e.strip()]
        kind = checked_kind(proposed.kind, proposed.claim)
        outcome.facts.append(
            GroundedFact(
                proposed.claim.strip(),
                kind,
                entities,
                checked.grounded,
                chunk.index,
                checked.statement,
                checked.attribution,
                checked.speaker_span,
            )
        )
    return problems, True


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


def _no_quote(proposed: ProposedFact) -> str:
    quotes = "; ".join(f'"{q}"' for q in proposed.quotes)
    return f'fact "{proposed.claim}": none of its quotes ({quotes}) is in the article; copy a quote exactly'


def _ground_all(
    text: str, quotes: list[str], region: tuple[int, int], counts: GroundingCounts
) -> list[Grounded]:
    found: list[Grounded] = []
    for quote in quotes:
        counts.quotes += 1
        parts = ground_quote_parts(text, quote, region)
        if not parts:
            counts.quotes_rejected += 1
        for g in parts:
            counts.quotes_by_tier[g.match] = counts.quotes_by_tier.get(g.match, 0) + 1
            found.append(g)
    return found


def _validation_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "answer"
    return f"the answer is not valid JSON for the schema: {where}: {first['msg']}"
