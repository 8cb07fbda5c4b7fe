"""Quote mode: a statement is the source's own sentence, so its meaning holds by construction.

The model only chooses sentences (from an ``enum`` of the chunk's sentences, which a
llama.cpp server compiles into a grammar) and their kind; none of its words reach the
reader (design invariant 7). What the code adds is taken from the source too:

- **Who says it** is read from the sentence that carries the statement
  (:func:`~briefer.brief.attribution.voice_of`), never from another cited span. A
  sentence that names its speaker renders as it is; a quotation whose speaker is named
  in a neighbouring sentence renders as ``Speaker, role, said: “…”`` and cites the
  speaker's name; "He said …" gets its referent in square brackets, as editors do
  ("He [Piet Varga] said …"). A sentence the article states in its own voice never
  gets a cue.
- **What it refers to**: a sentence that opens with a pronoun or an anaphoric subject
  ("These factories", "The move", "On the other hand, …") also cites and renders the
  sentence before it, so the referent is on the page in the source's words.

The same rendering is the fallback of a paraphrase that a judge does not pass.
"""

from __future__ import annotations

import re

from ..models import Attribution, Span
from .attribution import Voice, voice_of
from .check import UNREAD, Checked
from .context import ArticleContext
from .grounding import Grounded
from .sourcetext import FILL, masked_text, quote_regions
from .statement import speaker_phrase

_BOILERPLATE = re.compile(r"©|\ball rights reserved\b", re.I)
_CONNECTIVE = r"(?:On the other hand|In addition|Moreover|Furthermore|At the same time|Also|But|Yet|Instead)"
_ANAPHORIC_NOUN = (
    r"author|move|decision|plan|step|measure|deal|proposal|idea|report|statement|announcement|change|incident"
    r"|attack|visit|trip|project|agreement|bill|law|policy|ruling|company|firm|group|agency|ministry|elder"
    r"|latter|former|same"
)
_ANAPHORA = re.compile(
    rf"[\"“‘']?(?:{_CONNECTIVE}\b|(?:He|She|It|They|This|These|That|Those|Such|His|Her|Its|Their)\b"
    rf"|The\s+(?:{_ANAPHORIC_NOUN})\b(?!\s+(?:of|between|in|on|at|for|with|to|by|from|that)\b))"
)
_PRONOUN = re.compile(r"\b(?:He|She|They|It|he|she|they|it)\b")
_QUOTE_MARKS = "\"'“”‘’«»„"


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def choosable(ctx: ArticleContext, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of ``[start, end)`` the model may quote: no headline, copyright line or fragment."""
    found = []
    for s, e in ctx.sentences:
        if s < start or s >= end:
            continue
        s, e = trimmed(ctx.text, s, min(e, end))
        if e > s and not ctx.in_headline(s) and not _BOILERPLATE.search(ctx.text[s:e]):
            found.append((s, e))
    return [b for b in found if len(ctx.text[b[0] : b[1]].split()) >= 3] or found


def sentences_of(ctx: ArticleContext, spans: list[Span]) -> list[tuple[int, int]]:
    """The trimmed sentences holding ``spans``, in article order (a paraphrase's quotes, widened)."""
    found = []
    for s, e in ctx.sentences:
        if any(s < sp.end and sp.start < e for sp in spans):
            bounds = trimmed(ctx.text, s, e)
            if bounds[1] > bounds[0] and bounds not in found:
                found.append(bounds)
    body = [b for b in found if not ctx.in_headline(b[0])]
    return body or found


def quote_fact(ctx: ArticleContext, picks: list[tuple[int, int]]) -> Checked:
    """The quote-mode statement of the sentences ``picks``; the first carries its speaker."""
    parts = [_one(ctx, bounds) for bounds in picks]
    grounded = [g for part in parts for g in part.grounded]
    lead = parts[0]
    return Checked(
        _distinct(grounded), " ".join(p.statement for p in parts), lead.attribution, lead.speaker_span
    )


def _distinct(grounded: list[Grounded]) -> list[Grounded]:
    seen: dict[tuple[int, int], Grounded] = {}
    for g in grounded:
        seen.setdefault((g.span.start, g.span.end), g)
    return list(seen.values())


def voice(ctx: ArticleContext, start: int, end: int) -> Voice:
    """The voice of one sentence, read from the source (English rules: unread in other languages)."""
    return voice_of(ctx.text, start, end, list(ctx.sentences)) if ctx.language.english else UNREAD


def _one(ctx: ArticleContext, bounds: tuple[int, int]) -> Checked:
    start, end = bounds
    said = voice(ctx, start, end)
    content = [_exact(ctx.text, start, end)]
    speaker = said.speaker if said.reported else None
    span = (speaker.start, speaker.end) if speaker else None
    named_outside = span is not None and not start <= span[0] < end
    if ctx.language.english and not said.direct and not named_outside and (prev := _referent(ctx, start)):
        content.insert(0, _exact(ctx.text, *prev))
    body = " ".join(_flat(g.span.text) for g in content)
    if span and not any(g.span.start <= span[0] and span[1] <= g.span.end for g in content):
        body = _framed(ctx, said, body, start, end)
        content.append(_exact(ctx.text, *span))
    attribution = Attribution(
        speaker=speaker.name if speaker else None,
        role=speaker.role if speaker else None,
        named=bool(speaker and speaker.named),
        cue=said.cue,
        direct=said.direct,
        hedges=list(said.hedges),
    )
    return Checked(content, _capital(body), attribution, span)


def _framed(ctx: ArticleContext, said: Voice, body: str, start: int, end: int) -> str:
    """Reported words whose speaker is named outside the sentence: ``Speaker, role, said: “…”``,
    or "He [Name] said …" where the sentence's own subject is a pronoun for that speaker."""
    who = speaker_phrase(said.speaker, ctx.names)
    if said.direct:
        return f"{who} said: \u201c{body.strip(_QUOTE_MARKS + ' ')}\u201d"
    sentence = ctx.text[start:end]
    masked = masked_text(sentence, quote_regions(sentence))
    cue = re.search(re.escape(said.cue), masked) if said.cue else None
    pronoun = _PRONOUN.search(masked, 0, cue.start() if cue else len(masked))
    if pronoun is None or FILL in masked[pronoun.start() : pronoun.end()]:
        return body
    at = len(body) - len(_flat(sentence)) + len(_flat(sentence[: pronoun.end()]))  # the body ends with it
    return f"{body[:at]} [{said.speaker.name}]{body[at:]}"


def _referent(ctx: ArticleContext, start: int) -> tuple[int, int] | None:
    """The sentence before one that opens with a pronoun or an anaphoric subject, if any."""
    if not _ANAPHORA.match(ctx.text, start):
        return None
    before = [b for b in ctx.sentences if b[1] <= start or b[0] < start <= b[1]]
    before = [trimmed(ctx.text, s, e) for s, e in before if s < start]
    before = [b for b in before if b[1] > b[0] and b[0] < start and not ctx.in_headline(b[0])]
    return before[-1] if before else None


def _exact(text: str, start: int, end: int) -> Grounded:
    return Grounded(Span.of(text, start, end), "exact", 100.0)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _capital(statement: str) -> str:
    return statement[:1].upper() + statement[1:]
