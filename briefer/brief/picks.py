"""Quote mode's answers: the sentences the model picked, turned into facts in the source's words.

The schema lets the model name only sentences of its chunk (an ``enum``); a server
that does not enforce it may still answer with a near copy, which is grounded like
a paraphrase's quote and widened to its sentence. Nothing the model writes is
rendered: the statement is :func:`~briefer.brief.quote.quote_fact` of the sentence.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from ..models import Chunk, DroppedFact, FactKind
from ..text import NUMBER, NUMBER_WORD
from .context import ArticleContext
from .facts import ChunkOutcome, GroundedFact, checked_kind
from .grounding import ground_quote
from .prompts import QuoteExtraction
from .quote import enum_text, quote_fact, sentences_of, voice
from .sourcetext import names_in


def check_picks(
    content: str,
    ctx: ArticleContext,
    chunk: Chunk,
    outcome: ChunkOutcome,
    choices: dict[str, tuple[int, int]],
) -> tuple[list[str], bool]:
    """Validate one quote-mode answer into ``outcome``; return the problems to re-ask about."""
    try:
        extraction = QuoteExtraction.model_validate_json(content)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        return [f"the answer is not valid JSON for the schema: {where}: {first['msg']}"], False
    problems = []
    counts = outcome.counts
    taken = {(s, e) for f in outcome.facts for g in f.grounded for s, e in [(g.span.start, g.span.end)]}
    for picked in extraction.facts:
        counts.proposed += 1
        counts.quotes += 1
        bounds = _sentence(picked.quote, ctx, chunk, choices)
        if bounds is None:
            counts.quotes_rejected += 1
            counts.dropped += 1
            problem = f'"{picked.quote}" is not a sentence of the article; copy one exactly'
            outcome.dropped.append(DroppedFact(claim=picked.quote, quotes=[picked.quote], reason=problem))
            problems.append(problem)
            continue
        counts.quotes_by_tier["exact"] = counts.quotes_by_tier.get("exact", 0) + 1
        counts.grounded += 1
        if bounds in taken:  # the same sentence picked twice (or already cited as context)
            counts.merged += 1
            continue
        fact = quoted_fact(ctx, [bounds], None, chunk.index)
        taken |= {(g.span.start, g.span.end) for g in fact.grounded}
        outcome.facts.append(fact)
    outcome.facts = fold_contained(outcome.facts, counts)
    return problems, True


def quoted_fact(
    ctx: ArticleContext, picks: list[tuple[int, int]], kind: FactKind | None, chunk: int
) -> GroundedFact:
    """A fact whose statement is the source's sentences ``picks``; its kind fits what they are
    (``None``: read from them, see :func:`sentence_kind`)."""
    checked = quote_fact(ctx, picks)
    content = [g for g in checked.grounded if (g.span.start, g.span.end) != checked.speaker_span]
    claim = checked.claim or checked.statement
    # "Analysts said X. On the other hand, Y.": what was said, though Y alone carries no cue
    reported = checked.attribution.reported or any(
        voice(ctx, g.span.start, g.span.end).reported for g in content
    )
    if kind is None:
        kind = sentence_kind(ctx, claim, reported, picks[0][0])
    kind = FactKind.statement if reported else checked_kind(kind, claim)
    if kind == FactKind.statement and not reported:
        kind = FactKind.context
    return GroundedFact(
        claim,
        kind,
        list(dict.fromkeys(names_in(claim, ctx.names))),
        checked.grounded,
        chunk,
        checked.statement,
        checked.attribution,
        checked.speaker_span,
    )


_DATES = re.compile(
    r"\b(?:1[89]|20)\d\d(?:s\b)?|\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.)|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*"
    r"\.?\s+\d{1,2}\b"
)
LEAD_SHARE = 1 / 3  # news puts what happened first: sentences in the first third of the body are events


def sentence_kind(ctx: ArticleContext, claim: str, reported: bool, start: int) -> FactKind:
    """What kind of fact a quoted sentence is, from the sentence itself: reported speech is "what was
    said", the lead's sentences events, a count or amount (not a date) a number, the rest context."""
    if reported:
        return FactKind.statement
    body = ctx.body_sentences()
    if body and start < body[max(1, round(len(body) * LEAD_SHARE)) - 1][1]:
        return FactKind.event
    counts = _DATES.sub(" ", claim)
    if NUMBER.search(counts) or NUMBER_WORD.search(counts.casefold()):
        return FactKind.number
    return FactKind.context


def _sentence(
    quote: str, ctx: ArticleContext, chunk: Chunk, choices: dict[str, tuple[int, int]]
) -> tuple[int, int] | None:
    for key in (quote, quote.strip(), enum_text(quote)):
        if key in choices:
            return choices[key]
    found = ground_quote(ctx.text, quote, (chunk.start, chunk.end))
    if found is None:
        return None
    sentences = sentences_of(ctx, [found.span])
    return sentences[0] if sentences else None


def fold_contained(facts: list[GroundedFact], counts) -> list[GroundedFact]:
    """A fact whose sentences another fact also cites (as the referent it needs, or the same ones
    picked twice) is folded into that one."""
    spans = [{(g.span.start, g.span.end) for g in f.grounded} for f in facts]

    def inside(n: int) -> bool:
        return any(
            spans[n] < spans[m] or (spans[n] == spans[m] and m < n) for m in range(len(facts)) if m != n
        )

    kept = [f for n, f in enumerate(facts) if not inside(n)]
    counts.merged += len(facts) - len(kept)
    return kept
