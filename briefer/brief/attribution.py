"""Who says it and how sure: the voice of a cited span, read from the source text alone.

A statement must say who says it, and a hedge in the source stays a hedge
(design invariant 6). The model's say-so is never trusted: ``voice_of``
reads the source around a cited span.

1. ``sourcetext`` finds the sentences, the quotations (per paragraph) and the
   article's names, and masks quoted words so that cues are only looked for
   in the article's own words (``cues``).
2. A span mostly inside quotation marks is direct speech. Its speaker is the
   cue nearest the quotation in the sentences it touches, else that of the
   quotation it continues: the previous one in its paragraph, or the last one
   of the previous paragraph when this one opens its paragraph (a quotation
   left open at a paragraph end, or a run of quote paragraphs).
3. Any other span takes the cue of its own sentence(s) (``speakers`` holds
   those rules), preferring a trailing ", X said" over an inner verb.
   Pronoun speakers resolve to the last speaker named before them.
4. Hedges are words and phrases of uncertainty in the span's sentence(s).

``claim_attributes``, ``claim_keeps_hedge``, ``claim_misattributes`` and
``attributed`` then check or repair the model's claim so that reported speech
keeps its speaker (the source's, never the model's) and its hedge.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from .cues import find_cues
from .sourcetext import (
    WORD,
    Region,
    article_names,
    bounded,
    headline,
    masked_text,
    names_in,
    quote_regions,
    split_sentences,
)
from .speakers import PRONOUNS, Speaker, speaker_for
from .statement import _CLAIM_CUE, attributed, claim_attributes, mentions

__all__ = [
    "Speaker",
    "Voice",
    "voice_of",
    "hedges_in",
    "claim_keeps_hedge",
    "claim_attributes",
    "claim_misattributes",
    "attributed",
    "article_names",
    "names_in",
    "split_sentences",
]

_HEDGE = re.compile(
    r"\b(?:(?:is|are|was|were|be|been|being)\s+(?:widely\s+|also\s+)?"
    r"(?:(?:said|reported|alleged)\s+to|(?:expected|believed|thought|rumou?red|understood|likely|unlikely)(?:\s+to)?)"
    r"|(?:expected|believed|thought|rumou?red|likely|unlikely)\s+to"
    r"|(?<!\ba )(?<!\bthe )(?:plans?|planned|planning|aims?|aimed|aiming|intends?|intended|intending|hopes?|hoped|hoping)\s+to"
    r"|(?:appears?|appeared|seems?|seemed)\s+to"
    r"|sources?(?:\s+[\w'’-]+){0,5}?\s+(?:say|says|said|claim|claimed|believe)"
    r"|reportedly|allegedly|alleged|purportedly|supposedly|apparently|possibly|probably|perhaps|potentially"
    r"|presumably|maybe|likely|unlikely|unconfirmed|rumou?red|suspected|(?-i:could|may|might))\b",
    re.I,
)


@dataclass(frozen=True)
class Voice:
    """Whether a span is reported speech, by whom, on which cue, and how hedged."""

    reported: bool
    direct: bool
    cue: str | None
    speaker: Speaker | None
    hedges: tuple[str, ...]


@dataclass(frozen=True)
class _Context:
    text: str
    masked: str
    sentences: tuple[tuple[int, int], ...]
    regions: tuple[Region, ...]
    known: frozenset[str]
    # Sorted keys for bisection, so that a span looks only at the sentences and quotations near it
    # (a scan of all of them for every span made a long article quadratic).
    starts: list[int]
    reach: list[int]  # the furthest sentence end up to each sentence
    region_starts: list[int]
    region_reach: list[int]


def _core(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())


@lru_cache(maxsize=16)
def _context(text: str, sentences: tuple[tuple[int, int], ...] | None) -> _Context:
    spans = split_sentences(text) if sentences is None else sentences
    cores = tuple(sorted(c for c in (_core(text, a, b) for a, b in bounded(text, spans)) if c[0] < c[1]))
    regions = quote_regions(text)
    known = frozenset(article_names(text, list(cores)))
    return _Context(
        text,
        masked_text(text, regions),
        cores,
        regions,
        known,
        [a for a, _ in cores],
        list(accumulate((b for _, b in cores), max)),
        [r.start for r in regions],
        list(accumulate((r.end for r in regions), max)),
    )


def _near(starts: list[int], reach: list[int], lo: int, hi: int) -> range:
    """Indices of the sorted ranges that may overlap ``[lo, hi)``: none ends by ``lo`` before the first."""
    return range(bisect_right(reach, lo), bisect_left(starts, hi))


def _overlapping(ctx: _Context, lo: int, hi: int) -> tuple[tuple[int, int], ...]:
    near = (ctx.sentences[i] for i in _near(ctx.starts, ctx.reach, lo, hi))
    return tuple(s for s in near if s[0] < hi and s[1] > lo)


def voice_of(text: str, start: int, end: int, sentences: Sequence[tuple[int, int]] | None = None) -> Voice:
    """The voice of ``text[start:end]``; ``sentences`` are the caller's sentence offsets (else the pipeline's
    splitter's). Pass the same tuple for every span of a text: its context is computed once (a tuple whose
    hash is cached, as :class:`~briefer.brief.context.ArticleContext` keeps them, is looked up in O(1))."""
    if sentences is not None and not isinstance(sentences, tuple):
        sentences = tuple((a, b) for a, b in sentences)
    return _voice(_context(text, sentences), start, end)


def _voice(ctx: _Context, start: int, end: int) -> Voice:
    text = ctx.text
    start, end = _core(text, start, end)
    sents = _overlapping(ctx, start, end) or ((start, end),)
    hedges = hedges_in(" ".join(text[a:b] for a, b in sents))
    share, region = _quoted(ctx, start, end)
    direct = share >= 0.5
    cue, speaker = _region_voice(ctx, region) if direct else _nearest(ctx, sents, start, end)
    if cue is None and region is not None and not direct:
        if _scare_quote(ctx, region):  # the "magic" ink: a word set off, not someone's words
            region = None
        else:
            cue, speaker = _region_voice(ctx, region)
    return Voice(direct or region is not None or cue is not None, direct, cue, speaker, hedges)


def _scare_quote(ctx: _Context, idx: int) -> bool:
    """A quotation of at most three words inside a sentence of the article's own: a term set off.
    Not in a headline, whose quoted words are a source's ("Summit In Russia 'Soon'")."""
    lo, hi = ctx.regions[idx].inner
    if len(WORD.findall(ctx.text, lo, hi)) > 3:
        return False
    return not any(a <= lo < b and headline(ctx.text[a:b]) for a, b in ctx.sentences)


def _quoted(ctx: _Context, start: int, end: int) -> tuple[float, int | None]:
    """Share of the span's letters and digits inside quotation marks, and the quotation holding most."""
    total = sum(c.isalnum() for c in ctx.text[start:end]) or 1
    best, best_n, inside = None, 0, 0
    for i in _near(ctx.region_starts, ctx.region_reach, start, end):
        r = ctx.regions[i]
        lo, hi = max(r.inner[0], start), min(r.inner[1], end)
        n = sum(c.isalnum() for c in ctx.text[lo:hi]) if lo < hi else 0
        inside += n
        if n > best_n:
            best, best_n = i, n
    return inside / total, best


def _nearest(ctx: _Context, sents, lo: int, hi: int) -> tuple[str | None, Speaker | None]:
    """The cue governing ``[lo, hi)`` in ``sents``: inside or nearest, a trailing ", X said" first."""
    ranked = []
    for a, b in sents:
        cues = find_cues(ctx.text, ctx.masked, a, b)
        for n, cue in enumerate(cues):
            dist = 0 if cue.start < hi and cue.end > lo else min(abs(cue.start - hi), abs(lo - cue.end))
            tail = n == len(cues) - 1 and re.search(r'[,"][^,"]*$', ctx.masked[a : cue.start]) is not None
            tail = tail and len(WORD.findall(re.search(r'[^,"]*$', ctx.masked[a : cue.start]).group())) <= 5
            ranked.append((dist, not tail, cue.start, cue, a, b))
    if not ranked:
        return None, None
    _, _, _, cue, a, b = min(ranked, key=lambda r: r[:3])
    return cue.text, _resolve(ctx, speaker_for(ctx.text, ctx.masked, a, b, cue, ctx.known))


_REGION_ENDS = 3


def _region_voice(ctx: _Context, idx: int, depth: int = 0) -> tuple[str | None, Speaker | None]:
    """Cue and speaker of quotation ``idx``: its own sentences, else the quotation it continues."""
    r = ctx.regions[idx]
    inside = _overlapping(ctx, r.start, r.end)
    if len(inside) > 2 * _REGION_ENDS:  # a long quotation: its speaker is named near its start or its end
        inside = inside[:_REGION_ENDS] + inside[-_REGION_ENDS:]
    found = _nearest(ctx, inside, r.start, r.end)
    prev = _chain_prev(ctx, idx)
    if found[0] is not None or prev is None or depth > 8:
        return found
    between = _overlapping(ctx, ctx.regions[prev].end - 1, r.start)
    found = _nearest(ctx, between, r.start, r.start)
    return found if found[0] is not None else _region_voice(ctx, prev, depth + 1)


def _chain_prev(ctx: _Context, idx: int) -> int | None:
    """The quotation ``idx`` continues: the previous one in its paragraph, or the last one of the
    previous paragraph when this one opens its paragraph (a quotation left open at a paragraph end,
    or a run of quote paragraphs)."""
    if idx == 0:
        return None
    r, p = ctx.regions[idx], ctx.regions[idx - 1]
    gap = ctx.text[p.end : r.start]
    if not re.search(r"[\r\n]", gap):
        return idx - 1
    # p's line ends, then only blank lines: r opens the next paragraph
    next_paragraph = re.fullmatch(r"[^\r\n]*[\r\n]\s*", gap) is not None
    return idx - 1 if next_paragraph and r.start == _line_start(ctx.text, r.start) else None


def _line_start(text: str, pos: int) -> int:
    """The first non-blank character of the line holding ``pos``."""
    lo = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1
    return lo + len(text[lo:pos]) - len(text[lo:pos].lstrip(" \t"))


RESOLVE_BACK = 50  # sentences a pronoun looks back for its speaker: a bound, so each pronoun costs the same


def _resolve(ctx: _Context, speaker: Speaker | None) -> Speaker | None:
    """A pronoun speaker becomes the last speaker named before it (at most :data:`RESOLVE_BACK` sentences
    back; "he"/"she": a named one)."""
    if speaker is None or speaker.name.lower() not in PRONOUNS:
        return speaker
    personal = speaker.name.lower() in ("he", "she")
    before = bisect_left(ctx.starts, speaker.start)
    for a, b in reversed(ctx.sentences[max(0, before - RESOLVE_BACK) : before]):
        for cue in reversed(find_cues(ctx.text, ctx.masked, a, min(b, speaker.start))):
            found = speaker_for(ctx.text, ctx.masked, a, b, cue, ctx.known)
            if found and found.name.lower() not in PRONOUNS and (found.named or not personal):
                return found
    return None


def hedges_in(fragment: str) -> tuple[str, ...]:
    """Hedge words and phrases in ``fragment``, lowercased as found, first occurrence order, no repeats."""
    found = (re.sub(r"\s+", " ", m.group().lower()) for m in _HEDGE.finditer(fragment))
    return tuple(dict.fromkeys(found))


def claim_keeps_hedge(claim: str, voice: Voice) -> bool:
    """A hedged source needs a hedged claim: any hedge, or an attribution ("said", "according to")."""
    return not voice.hedges or bool(hedges_in(claim)) or _CLAIM_CUE.search(claim) is not None


def claim_misattributes(claim: str, voice: Voice) -> bool:
    """Does the claim put its words in the mouth of a named speaker other than the source's?

    "…, Putin says." for a span that Shin Beom-chul said; or any named speaker for a span without one.
    """
    said = _voice(_context.__wrapped__(claim, None), 0, len(claim)).speaker  # claims stay out of the cache
    if said is None or not said.named:
        return False
    return voice.speaker is None or not mentions(said.name, voice.speaker.name)
