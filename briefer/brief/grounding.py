"""Find a model-proposed quote in the article and return the exact span, or nothing.

The model proposes; this module verifies. Tiers, tried in order, recorded on
the result:

- ``exact``: the quote occurs verbatim.
- ``normalized``: equal after folding case, whitespace runs, and quote/dash
  variants. Matching runs on a normalized copy of the text that keeps, for each
  of its characters, the index of the original character it came from, so the
  span maps back to original offsets.
- ``fuzzy``: rapidfuzz partial alignment of the normalized quote against the
  normalized text, above a threshold, snapped outward to word boundaries.

Whatever the tier, the span's text is cut from the article, never taken from
the model. The search prefers the chunk the quote came from, then the whole
article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from ..models import MatchTier, Span
from ..text import NormalizedText, normalize

FUZZY_THRESHOLD = 90.0
MIN_QUOTE_CHARS = 8

_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*")


@dataclass(frozen=True)
class Grounded:
    span: Span
    match: MatchTier
    score: float


@lru_cache(maxsize=16)
def _normalized_region(text: str, start: int, end: int) -> NormalizedText:
    """Every quote of a chunk searches the same region: fold it once."""
    return NormalizedText(text[start:end])


def ground_quote(text: str, quote: str, region: tuple[int, int] | None = None) -> Grounded | None:
    """The best span for ``quote`` in ``text``, searching ``region`` first."""
    quote = quote.strip().strip("\"'\u201c\u201d\u2018\u2019").strip()
    if len(quote) < (4 if any(c.isdigit() for c in quote) else MIN_QUOTE_CHARS):
        return None
    regions = [region, None] if region else [None]
    for tier in (_exact, _normalized, _fuzzy):
        for reg in regions:
            found = tier(text, quote, reg or (0, len(text)))
            if found:
                return found
    return None


def ground_quote_parts(text: str, quote: str, region: tuple[int, int] | None = None) -> list[Grounded]:
    """Ground a quote; one with an ellipsis ("A ... B") is grounded part by part."""
    whole = ground_quote(text, quote, region)
    if whole or not _ELLIPSIS.search(quote):
        return [whole] if whole else []
    parts = [p for p in _ELLIPSIS.split(quote) if len(p.strip()) >= MIN_QUOTE_CHARS]
    return [g for p in parts if (g := ground_quote(text, p, region))]


def _exact(text: str, quote: str, region: tuple[int, int]) -> Grounded | None:
    pos = text.find(quote, region[0], region[1])
    if pos < 0:
        return None
    return Grounded(Span.of(text, pos, pos + len(quote)), "exact", 100.0)


def _normalized(text: str, quote: str, region: tuple[int, int]) -> Grounded | None:
    norm = _normalized_region(text, *region)
    needle = normalize(quote)
    pos = norm.text.find(needle) if needle else -1
    if pos < 0:
        return None
    start, end = norm.original(pos, pos + len(needle))
    return Grounded(Span.of(text, region[0] + start, region[0] + end), "normalized", 100.0)


def _fuzzy(text: str, quote: str, region: tuple[int, int]) -> Grounded | None:
    norm = _normalized_region(text, *region)
    needle = normalize(quote)
    if len(needle) < MIN_QUOTE_CHARS * 2 or len(needle) > len(norm.text):
        return None
    result = fuzz.partial_ratio_alignment(needle, norm.text, score_cutoff=FUZZY_THRESHOLD)
    if result is None or result.dest_end <= result.dest_start:
        return None
    lo, hi = _tighten(needle, norm.text, result.dest_start, result.dest_end)
    start, end = norm.original(lo, hi)
    start, end = _snap_to_words(text, region[0] + start, region[0] + end)
    if end <= start:
        return None
    return Grounded(Span.of(text, start, end), "fuzzy", round(result.score, 1))


def _tighten(needle: str, hay: str, start: int, end: int) -> tuple[int, int]:
    """Shrink or grow the aligned window to the first and last runs the quote really shares.

    partial alignment returns a window as long as the quote; a quote with an
    extra word spills past the sentence. An edit-script alignment over a
    slightly wider window finds where the shared text actually starts and ends.
    """
    pad = len(needle) // 4
    lo, hi = max(0, start - pad), min(len(hay), end + pad)
    blocks = [
        b
        for b in Levenshtein.opcodes(needle, hay[lo:hi])
        if b.tag == "equal" and b.dest_end - b.dest_start >= 3
    ]
    if not blocks:
        return start, end
    return lo + blocks[0].dest_start, lo + blocks[-1].dest_end


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
