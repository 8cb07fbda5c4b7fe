"""Ask the LLM for facts in one chunk, validate and ground them, re-ask on bad output.

Two loops, kept apart: transient HTTP failures are retried inside the backend
(:mod:`briefer.llm`); here a *bounded re-ask* appends the concrete problems
(invalid JSON or fields, quotes not found in the source) to a copy of the
messages and asks again. Usage is summed over every call. A truncated answer
(``finish_reason == "length"``) is never parsed: the budget is raised once,
then the chunk is split in two.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import Field, ValidationError

from .chunking import sentence_spans
from .grounding import Grounded, ground_quote_parts, unsupported_terms
from .llm import Backend, ChatRequest, ChatResult
from .models import Article, Chunk, FactKind, GroundingCounts, Strict, Usage
from .resources import resource_dir

PROMPT_NAME = "extract-v1"
MAX_TOKENS_CAP = 4096


class ProposedFact(Strict):
    # Quotes come first: a small model copies the text, then says what it shows.
    quotes: list[str] = Field(min_length=1, max_length=2)
    claim: str = Field(min_length=1, max_length=500)
    kind: FactKind
    entities: list[str] = Field(max_length=4)


class Extraction(Strict):
    facts: list[ProposedFact]


def extraction_schema(max_facts: int, min_facts: int = 0) -> dict[str, Any]:
    """The response schema: refs inlined, every property required, no extra keys, bounded lists.

    ``minItems`` matters with small models, which otherwise stop after one or two facts.
    """
    schema = _inline_refs(Extraction.model_json_schema())
    schema["properties"]["facts"]["maxItems"] = max_facts
    if min_facts:
        schema["properties"]["facts"]["minItems"] = min_facts
    return _strip_titles(schema)


def facts_wanted(chunk: Chunk, max_facts: int) -> int:
    """A floor on facts per chunk: about one per three sentences, at most four."""
    sentences = sum(1 for s, e in sentence_spans(chunk.text) if chunk.text[s:e].strip())
    return max(1, min(4, max_facts, -(-sentences // 3)))


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


def _strip_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


@dataclass(frozen=True)
class Prompts:
    env: Environment
    version: str

    example: dict[str, Any]

    def messages(self, article: Article, chunk: Chunk, max_facts: int, min_facts: int) -> tuple[dict[str, str], ...]:
        """System rules, one worked example as a chat turn, then the chunk."""
        system = self.env.get_template("extract.system.j2").render(max_facts=max_facts, min_facts=min_facts)
        user = self.env.get_template("extract.user.j2").render(title=article.title, chunk=chunk.text)
        return (
            {"role": "system", "content": system.strip()},
            {"role": "user", "content": self.example["article"]},
            {"role": "assistant", "content": json.dumps(self.example["answer"], ensure_ascii=False)},
            {"role": "user", "content": user.strip()},
        )

    def reask(self, problems: list[str], only_failed: bool) -> str:
        return self.env.get_template("reask.j2").render(problems=problems, only_failed=only_failed).strip()


@lru_cache(maxsize=1)
def load_prompts() -> Prompts:
    """Prompts from ``prompts/``; the version is the name plus a hash of their text."""
    directory = resource_dir("prompts")
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.suffix in (".j2", ".json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    env = Environment(loader=FileSystemLoader(directory), undefined=StrictUndefined, keep_trailing_newline=True)
    example = json.loads((directory / "extract.example.json").read_text(encoding="utf-8"))
    return Prompts(env=env, version=f"{PROMPT_NAME}+{digest.hexdigest()[:8]}", example=example)


@dataclass(frozen=True)
class ExtractOptions:
    max_tokens: int = 1024
    max_reasks: int = 2
    max_facts: int = 8
    temperature: float = 0.0

    @classmethod
    def from_settings(cls, settings: Any) -> ExtractOptions:
        return cls(**{f: getattr(settings, f) for f in ("max_tokens", "max_reasks", "max_facts", "temperature")})


@dataclass
class GroundedFact:
    claim: str
    kind: FactKind
    entities: list[str]
    grounded: list[Grounded]
    chunk: int

    @property
    def first(self) -> int:
        return min(g.span.start for g in self.grounded)


@dataclass
class ChunkOutcome:
    facts: list[GroundedFact] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    counts: GroundingCounts = field(default_factory=GroundingCounts)
    failure: str | None = None

    def absorb(self, other: ChunkOutcome) -> None:
        self.facts += other.facts
        self.usage += other.usage
        self.counts = add_counts(self.counts, other.counts)
        self.failure = self.failure or other.failure


def add_counts(a: GroundingCounts, b: GroundingCounts) -> GroundingCounts:
    tiers = dict(a.quotes_by_tier)
    for tier, n in b.quotes_by_tier.items():
        tiers[tier] = tiers.get(tier, 0) + n
    numbers = {k: getattr(a, k) + getattr(b, k) for k in ("proposed", "grounded", "dropped", "unsupported", "reasks", "quotes", "quotes_rejected", "merged")}
    return GroundingCounts(quotes_by_tier=dict(sorted(tiers.items())), **numbers)


class Truncated(Exception):
    def __init__(self, message: str, usage: Usage):
        super().__init__(message)
        self.usage = usage


def extract_chunk(backend: Backend, article: Article, chunk: Chunk, options: ExtractOptions) -> ChunkOutcome:
    """Facts of one chunk; a chunk whose answer stays truncated is split in two and retried."""
    try:
        return _extract(backend, article, chunk, options)
    except Truncated as exc:
        halves = _halves(article.text, chunk)
        outcome = ChunkOutcome(usage=exc.usage)
        if not halves:
            outcome.failure = str(exc)
            return outcome
        for half in halves:
            outcome.absorb(extract_chunk(backend, article, half, options))
        return outcome


def _halves(text: str, chunk: Chunk) -> list[Chunk]:
    cuts = [s for s, _ in sentence_spans(chunk.text)][1:]
    if not cuts:
        return []
    mid = chunk.start + cuts[len(cuts) // 2]
    return [
        Chunk(index=chunk.index, start=chunk.start, end=mid, text=text[chunk.start : mid]),
        Chunk(index=chunk.index, start=mid, end=chunk.end, text=text[mid : chunk.end]),
    ]


def _extract(backend: Backend, article: Article, chunk: Chunk, options: ExtractOptions) -> ChunkOutcome:
    prompts = load_prompts()
    min_facts = facts_wanted(chunk, options.max_facts)
    messages = prompts.messages(article, chunk, options.max_facts, min_facts)
    schema = extraction_schema(options.max_facts, min_facts)
    outcome = ChunkOutcome()
    last_error = None
    for attempt in range(options.max_reasks + 1):
        result = _complete(backend, messages, schema, options, outcome)
        problems, parsed = _check(result.content, article, chunk, outcome)
        last_error = problems[0] if problems and not parsed else last_error
        if not problems or attempt == options.max_reasks:
            break
        outcome.counts.reasks += 1
        reask = prompts.reask(problems, only_failed=parsed)
        messages = (*messages, {"role": "assistant", "content": result.content}, {"role": "user", "content": reask})
        if parsed:  # only the failed facts are asked again: a short answer, not the whole list
            schema = extraction_schema(min(len(problems), options.max_facts), 1)
    if not outcome.facts and last_error and not outcome.counts.proposed:
        outcome.failure = f"the LLM kept returning invalid output after {options.max_reasks} re-asks ({last_error})"
    return outcome


def _complete(backend: Backend, messages: tuple, schema: dict, options: ExtractOptions, outcome: ChunkOutcome) -> ChatResult:
    budget = options.max_tokens
    while True:
        request = ChatRequest(messages=messages, schema=schema, schema_name="extraction", max_tokens=budget, temperature=options.temperature)
        result = backend.chat(request)
        outcome.usage += result.usage
        if result.finish_reason != "length":
            return result
        if budget >= min(MAX_TOKENS_CAP, options.max_tokens * 2):
            raise Truncated(f"the LLM's answer was cut off at {budget} tokens", outcome.usage)
        budget = min(MAX_TOKENS_CAP, budget * 2)


def _check(content: str, article: Article, chunk: Chunk, outcome: ChunkOutcome) -> tuple[list[str], bool]:
    """Validate and ground one answer into ``outcome``; return the problems to re-ask about."""
    try:
        extraction = Extraction.model_validate_json(content)
    except ValidationError as exc:
        return [_validation_problem(exc)], False
    problems = []
    counts = outcome.counts
    for proposed in extraction.facts:
        counts.proposed += 1
        grounded = _ground_all(article.text, proposed.quotes, (chunk.start, chunk.end), counts)
        problem = _problem(proposed, grounded)
        if problem:
            counts.dropped += 1
            counts.unsupported += bool(grounded)
            problems.append(problem)
            continue
        counts.grounded += 1
        entities = [e.strip() for e in proposed.entities if e.strip()]
        kind = checked_kind(proposed.kind, proposed.claim)
        outcome.facts.append(GroundedFact(proposed.claim.strip(), kind, entities, grounded, chunk.index))
    return problems, True


_DATE_WORDS = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|today|yesterday|tomorrow"
    r"|week|month|year|spring|summer|autumn|fall|winter|century|decade)",
    re.IGNORECASE,
)


def checked_kind(kind: FactKind, claim: str) -> FactKind:
    """Small models label almost anything "number" or "date"; demote labels the claim cannot bear."""
    if kind == FactKind.number and not re.search(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|million|billion|half|percent)", claim, re.IGNORECASE):
        return FactKind.context
    if kind == FactKind.date and not _DATE_WORDS.search(claim):
        return FactKind.context
    return kind


def _problem(proposed: ProposedFact, grounded: list[Grounded]) -> str | None:
    """Why this fact cannot be rendered, phrased as a re-ask instruction; None if it can."""
    if not grounded:
        quotes = "; ".join(f'"{q}"' for q in proposed.quotes)
        return f'fact "{proposed.claim}": none of its quotes ({quotes}) is in the article; copy a quote exactly'
    missing = unsupported_terms(proposed.claim, " ".join(g.span.text for g in grounded))
    if missing:
        return f'fact "{proposed.claim}": its quotes do not mention {", ".join(missing)}; quote the text that says so'
    return None


def _ground_all(text: str, quotes: list[str], region: tuple[int, int], counts: GroundingCounts) -> list[Grounded]:
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
