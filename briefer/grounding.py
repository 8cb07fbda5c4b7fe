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
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .models import MatchTier, Span

FUZZY_THRESHOLD = 90.0
MIN_OVERLAP = 0.5  # of a claim's content words must occur in its quotes
MIN_QUOTE_CHARS = 8

_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        "\u2026": "...",
    }
)
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*")


@dataclass(frozen=True)
class Grounded:
    span: Span
    match: MatchTier
    score: float


class NormalizedText:
    """A folded copy of a text plus the original index of each folded character."""

    def __init__(self, text: str):
        chars: list[str] = []
        index: list[int] = []
        in_space = False
        for i, ch in enumerate(text):
            if ch.isspace():
                if not in_space and chars:
                    chars.append(" ")
                    index.append(i)
                in_space = True
                continue
            in_space = False
            for out in _fold(ch):
                chars.append(out)
                index.append(i)
        self.text = "".join(chars)
        self.index = index

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` covering folded ``[start, end)``."""
        return self.index[start], self.index[end - 1] + 1


@lru_cache(maxsize=16)
def _normalized_region(text: str, start: int, end: int) -> NormalizedText:
    """Every quote of a chunk searches the same region: fold it once."""
    return NormalizedText(text[start:end])


def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch.translate(_FOLD)).casefold()


def normalize(text: str) -> str:
    return NormalizedText(text).text.strip()


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
    blocks = [b for b in Levenshtein.opcodes(needle, hay[lo:hi]) if b.tag == "equal" and b.dest_end - b.dest_start >= 3]
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


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)*")
_NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand"
    r"|million|billion|trillion|dozen|half|quarter|twice|double|triple)\b"
)
_STOP = frozenset(
    "a an the this that these those it its he she they his her their we our i you in on at of to for by with from"
    " and or but as if when while after before since during about over under will would could should may might"
    " must can has have had is are was were be been being not no also there here what who which why how".split()
)


_WORD_VALUES = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
    " seventeen eighteen nineteen twenty".split())}
_WORD_VALUES.update(thirty="30", forty="40", fifty="50", sixty="60", seventy="70", eighty="80", ninety="90")


def _has_number_word(word: str, text: str, digits: str) -> bool:
    """"nine" is supported by "nine" or by "9"."""
    if re.search(rf"\b{word}\b", text):
        return True
    value = _WORD_VALUES.get(word)
    return value is not None and re.search(rf"(?<![\d.,]){value}(?![\d])", digits) is not None


def unsupported_terms(claim: str, evidence: str) -> list[str]:
    """Numbers, number words and capitalised names in ``claim`` that the cited ``evidence`` lacks.

    Quotes are verified character by character, but the claim is the model's
    own sentence. A claim that names a person, place or number its quotes never
    mention is not supported by them ("Trump visited in 2000" citing a sentence
    about Putin), whatever the quotes say. Word forms are matched by prefix, so
    "Russian" is supported by "Russia".
    """
    text = " " + normalize(evidence).replace("-", " ") + " "
    digits = _NUMBER.sub(lambda m: m.group().replace(",", ""), text)
    missing = [n for n in _NUMBER.findall(claim) if n.replace(",", "") not in digits]
    missing += [w for w in _NUMBER_WORD.findall(claim.casefold()) if not _has_number_word(w, text, digits)]
    missing += _names_missing(claim, text)
    if not missing and content_overlap(claim, text) < MIN_OVERLAP:
        missing.append(f"most of the claim ({round(content_overlap(claim, text) * 100)}% of its words found)")
    return missing


def content_overlap(claim: str, evidence: str) -> float:
    """Share of the claim's content words (3+ letters, not stop words) found in the evidence, by prefix."""
    words = [w for w in re.findall(r"[^\W\d_]{3,}", normalize(claim)) if w not in _STOP]
    if not words:
        return 1.0
    text = " " + normalize(evidence) + " "
    return sum(bool(re.search(rf"\b{re.escape(_stem(w))}", text)) for w in words) / len(words)


def _stem(word: str) -> str:
    return word[: max(4, len(word) - 3)]


def _names_missing(claim: str, text: str) -> list[str]:
    missing = []
    for name in _NAME.findall(claim):
        for word in normalize(name).replace("-", " ").split():
            word = re.sub(r"'s?$", "", word)
            if word in _STOP or len(word) < 2:
                continue
            if not re.search(rf"\W{re.escape(_stem(word))}", text):
                missing.append(word)
    return missing
