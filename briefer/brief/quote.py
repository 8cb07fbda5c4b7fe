"""Quote mode: a statement is the source's own sentence, so its meaning holds by construction.

The model only chooses sentences (from an ``enum`` of the chunk's sentences, which a
llama.cpp server compiles into a grammar) and their kind; none of its words reach the
reader (design invariant 7). What the code adds is taken from the source too:

- **Who says it** is read from the sentence that carries the statement
  (:func:`~briefer.brief.attribution.voice_of`), never from another cited span. A
  sentence that names its speaker renders as it is; a quotation whose speaker is named
  in a neighbouring sentence renders as ``Speaker, role, said: “…”`` and cites the
  speaker's name; "He said …" comes after the sentence that names him ("Mayor Piet
  Varga said … He said …", with "…" where sentences are left out between). A sentence
  the article states in its own voice never gets a cue.
- **What it refers to**: a sentence that opens with a pronoun or an anaphoric subject
  ("These factories", "The move", "On the other hand, …") also cites and renders the
  sentence before it, so the referent is on the page in the source's words.

The same rendering is the fallback of a paraphrase that a judge does not pass.
"""

from __future__ import annotations

import re

from ..models import Span
from .attribution import Voice, voice_of
from .check import UNREAD, Checked, attribution_of, spans_voice
from .context import ArticleContext
from .grounding import Grounded
from .sourcetext import masked_text, quote_regions
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
_SUCH = re.compile(r"(?:\W*\w+){0,6}?\W+such\s", re.I)  # "The author of one such article …"
_QUOTE_MARKS = "\"'“”‘’«»„"


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def enum_text(sentence: str) -> str:
    """A sentence as the schema's ``enum`` lists it: straight double quotes as single ones, backslashes as
    slashes. llama-cpp-python's schema-to-grammar conversion mis-escapes both inside an enum value and the
    server dies on the grammar; the sentence rendered is always cut from the article by its offsets."""
    return " ".join(sentence.replace('"', "'").replace("\\", "/").split())


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
    statement = " ".join(p.statement for p in parts)
    claim = " ".join(p.claim or p.statement for p in parts)
    return Checked(_distinct(grounded), statement, lead.attribution, lead.speaker_span, claim=claim)


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
    speaker = said.speaker if said.reported else None
    outside = speaker is not None and not start <= speaker.start < end
    if outside and said.direct and not _own_cue(ctx.text, start, end, said.cue):
        return _framed(ctx, said, start, end)
    content = [_exact(ctx.text, start, end)]
    if outside:  # "He said …": the sentence that names him comes first
        extra = _speaker_sentence(ctx, speaker, start)
    else:
        extra = None if said.direct or speaker is not None else _referent(ctx, start)
    if ctx.language.english and extra:
        content.insert(0, _exact(ctx.text, *extra))
    lead = spans_voice(content, ctx)  # as `briefer verify` reads it: a referent's report carries on
    speaker = lead.speaker if lead.reported else None
    span = (speaker.start, speaker.end) if speaker else None
    gap = len(content) > 1 and _between(ctx, content[0].span.end, content[1].span.start)
    body = (" \u2026 " if gap else " ").join(_flat(g.span.text) for g in content)
    if span and not any(g.span.start <= span[0] and span[1] <= g.span.end for g in content):
        content.append(_exact(ctx.text, *span))
    return Checked(content, _capital(body), attribution_of(lead), span)


def _framed(ctx: ArticleContext, said: Voice, start: int, end: int) -> Checked:
    """A quotation whose speaker is named in another sentence: ``Speaker, role, said: “…”``, citing the
    speaker's name; the claim is the quoted words."""
    words = "\u201c" + _flat(ctx.text[start:end]).strip(_QUOTE_MARKS + " ") + "\u201d"
    who = speaker_phrase(said.speaker, ctx.names)
    span = (said.speaker.start, said.speaker.end)
    content = [_exact(ctx.text, start, end), _exact(ctx.text, *span)]
    return Checked(content, _capital(f"{who} said: {words}"), attribution_of(said), span, claim=words)


def _own_cue(text: str, start: int, end: int, cue: str | None) -> bool:
    """Does the sentence carry its reporting cue itself, outside its quotation marks ("…," he said)?"""
    sentence = text[start:end]
    masked = masked_text(sentence, quote_regions(sentence))
    return bool(cue) and re.search(rf"\b{re.escape(cue)}\b", masked) is not None


def _speaker_sentence(ctx: ArticleContext, speaker, start: int) -> tuple[int, int] | None:
    """The sentence before ``start`` that names ``speaker``."""
    for s, e in ctx.sentences:
        if s <= speaker.start < e and e <= start + 1:
            bounds = trimmed(ctx.text, s, e)
            return bounds if bounds[0] < start and not ctx.in_headline(bounds[0]) else None
    return None


def _between(ctx: ArticleContext, lo: int, hi: int) -> bool:
    """Is there a sentence between ``lo`` and ``hi``?"""
    return any(lo <= s and e <= hi and ctx.text[s:e].strip() for s, e in ctx.sentences)


def _referent(ctx: ArticleContext, start: int) -> tuple[int, int] | None:
    """The sentence before one that opens with a pronoun or an anaphoric subject, if any."""
    if not _ANAPHORA.match(ctx.text, start) and not _SUCH.match(ctx.text, start):
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
