"""Ask the LLM for facts in one chunk, validate and ground them, re-ask on bad output.

Two loops, kept apart: transient HTTP failures are retried inside the backend
(:mod:`briefer.llm.openai`); here a *bounded re-ask* appends the concrete problems
(invalid JSON or fields, quotes not found in the source) to a copy of the
messages and asks again. Usage is summed over every call. A truncated answer
(``finish_reason == "length"``) is never parsed: the budget is raised once,
then the chunk is split in two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from ..errors import LLMError
from ..llm.base import Backend, ChatRequest, ChatResult
from ..models import Chunk, DroppedFact, GroundingCounts, Usage
from .check import check_fact
from .chunking import sentence_spans
from .context import ArticleContext
from .facts import ChunkOutcome, ExtractOptions, GroundedFact, checked_kind
from .grounding import Grounded, ground_quote_parts
from .picks import check_picks
from .prompts import Extraction, ProposedFact, extraction_schema, facts_wanted, load_prompts, quote_schema
from .quote import choosable, enum_text
from .reasons import for_reader

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


@dataclass(frozen=True)
class _Ask:
    """What one chunk is asked, by statement mode: the messages, the schema, and the answer's check."""

    messages: tuple
    schema: Callable[[int, int], dict]  # (max facts, min facts) -> schema
    check: Callable[[str, ChunkOutcome], tuple[list[str], bool]]
    most: int
    wanted: int


def _ask(ctx: ArticleContext, chunk: Chunk, options: ExtractOptions) -> _Ask | None:
    """Paraphrase: the model writes claims. Quote: it only picks sentences of the chunk (None: none to pick)."""
    prompts = load_prompts()
    wanted = facts_wanted(chunk, options.max_facts, ctx.language.code)
    if options.statements != "quote":
        messages = prompts.messages(ctx.article, chunk, options.max_facts, wanted, ctx.language, ctx.answer)
        return _Ask(
            messages, extraction_schema, lambda c, o: _check(c, ctx, chunk, o), options.max_facts, wanted
        )
    choices: dict[str, tuple[int, int]] = {}
    for s, e in choosable(ctx, chunk.start, chunk.end):
        choices.setdefault(enum_text(ctx.text[s:e]), (s, e))
    if not choices:
        return None
    # A brief quotes at most about half of a chunk's sentences: every fact is a whole sentence (and
    # its referent), and each costs its sentence's tokens to pick.
    most = min(options.max_facts, len(choices), max(wanted, -(-len(choices) // 2)))
    wanted = min(wanted, most)
    return _Ask(
        prompts.messages(ctx.article, chunk, most, wanted, quote=True),
        lambda hi, lo: quote_schema(list(choices), hi, lo),
        lambda c, o: check_picks(c, ctx, chunk, o, choices),
        most,
        wanted,
    )


def first_request(ctx: ArticleContext, chunk: Chunk, options: ExtractOptions) -> tuple[tuple, dict]:
    """The messages and schema of ``chunk``'s first request (``--show-prompt``); nothing is sent."""
    ask = _ask(ctx, chunk, options)
    return (ask.messages, ask.schema(ask.most, ask.wanted)) if ask else ((), {})


def _extract(
    backend: Backend, ctx: ArticleContext, chunk: Chunk, options: ExtractOptions, allowance: Allowance
) -> ChunkOutcome:
    prompts = load_prompts()
    outcome = ChunkOutcome()
    ask = _ask(ctx, chunk, options)
    if ask is None:
        return outcome
    messages, schema = ask.messages, ask.schema(ask.most, ask.wanted)
    last_error = None
    for attempt in range(options.max_reasks + 1):
        result = _complete(backend, messages, schema, options, outcome, allowance)
        problems, parsed = ask.check(result.content, outcome)
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
            schema = ask.schema(min(len(problems), ask.most), 1)
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
