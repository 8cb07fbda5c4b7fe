"""Split an article into sentence-aware, token-budgeted chunks with exact offsets.

Chunks tile the text: consecutive, no gaps, no overlap, so no sentence (and no
fact) can fall between two chunks. Sentences come from sentencex (exact character
offsets, about 300 languages), run per line so a headline never merges with the
first paragraph; a sentence longer than the
budget is cut at a clause boundary, else at whitespace, else anywhere.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import sentencex

from ..models import Chunk

_WORD = re.compile(r"[A-Za-z0-9_]+|[^\W\d_]+|\S", re.UNICODE)
_WIDE = re.compile(
    r"[\u1100-\u11ff\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]"
)
_CLAUSE = re.compile(r"[;:,\u2014\u2013)]\s+|\s+[\u2014\u2013-]\s+")


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate close to BPE counts: ~4 Latin chars a token, 1 per CJK char.

    Remembered for the last texts: a dry run estimates the same system prompt for every chunk.
    """
    return _estimate(text)


@lru_cache(maxsize=256)
def _estimate(text: str) -> int:
    words = _WORD.findall(text)
    if text.isascii():
        return sum((len(word) + 3) >> 2 for word in words)
    return sum(map(_word_tokens, words))


def _word_tokens(word: str) -> int:
    wide = len(_WIDE.findall(word)) if not word.isascii() else 0
    return wide + math.ceil((len(word) - wide) / 4)


def sentence_spans(text: str, language: str = "en") -> list[tuple[int, int]]:
    """``[start, end)`` of every sentence, trailing whitespace included; they tile ``text``.

    ``language`` is an ISO 639-1 code; sentencex falls back to related or
    default rules for the ones it has none for. Remembered for the last few
    texts: chunking and the article's checks split the same text.
    """
    return list(_sentence_spans(text, language))


@lru_cache(maxsize=64)
def _sentence_spans(text: str, language: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]*\n|[^\n]+$", text):
        spans.extend(_line_sentences(line.group(), line.start(), language))
    return tuple(spans)


# Opening quotation marks and brackets: sentencex leaves one that opens the next sentence at the
# end of the previous one ('... she said. "' then 'That was wrong.'); it belongs to the next.
_OPENERS = frozenset("\"'\u201c\u2018\u201e\u201a\u00ab\u2039\u300c\u300e\uff08([")


# An initial or a one-letter title before a capitalised word ("M. Dupont", "A. V. Safin") is not a
# sentence end, though sentencex sometimes cuts there.
_INITIAL = re.compile(r"(?:^|[\s(])[^\W\d_]\.\s+$")
# Japanese quotative particles: 「…。」と説明した continues the sentence the quotation is in.
_QUOTATIVE = ("と", "って")


def _line_sentences(line: str, offset: int, language: str) -> list[tuple[int, int]]:
    if not line.strip():
        return [(offset, offset + len(line))]
    cuts = []
    for boundary in sentencex.get_sentence_boundaries(language, line)[:-1]:
        cut = boundary["end_index"]
        k = cut
        while k > 0 and line[k - 1].isspace():
            k -= 1
        if k > 0 and line[k - 1] in _OPENERS and (k == 1 or line[k - 2].isspace()):
            cut = k - 1
        if _after_initial(line, cut) and line[cut : cut + 1].isupper():
            continue
        if line.startswith(_QUOTATIVE, cut) and line[cut - 1 : cut] in "」』":
            continue
        if 0 < cut < len(line) and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    bounds = [0, *cuts, len(line)]
    return [(offset + a, offset + b) for a, b in zip(bounds, bounds[1:])]


def _after_initial(line: str, cut: int) -> bool:
    """Does ``line[:cut]`` end in an initial and whitespace ("A. ")? Looks at those few characters only:
    a search from the line's start at every boundary made a long line quadratic."""
    k = cut
    while k > 0 and line[k - 1].isspace():
        k -= 1
    return _INITIAL.search(line, max(0, k - 3), cut) is not None


def split_long(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of at most ``budget`` tokens at the best boundary.

    Linear in the length: each cut scans only the window that fits the budget.
    """
    if end - start <= 4 * budget and estimate_tokens(text[start:end]) <= budget:
        return [(start, end)]  # the usual sentence: no word-by-word walk
    pieces = []
    while (limit := _fit(text, start, end, budget)) < end:
        cut = _best_cut(text, start, limit)
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _fit(text: str, start: int, end: int, budget: int) -> int:
    """The end of the longest prefix of ``text[start:end]`` within ``budget`` tokens (``end`` if all fits)."""
    used = 0
    for m in _WORD.finditer(text, start, end):
        cost = _word_tokens(m.group())
        if used + cost > budget:
            room = budget - used  # part of this word still fits: 4 characters a token, 1 if wide
            fits = m.start() + (room * 4 if not _WIDE.search(m.group()) else room)
            return max(start + 1, min(fits, m.end() - 1))
        used += cost
    return end


def _best_cut(text: str, start: int, limit: int) -> int:
    """A clause boundary in the last two thirds of ``text[start:limit]``, else a space, else ``limit``."""
    window = text[start:limit]
    for pattern in (_CLAUSE, re.compile(r"\s+")):
        matches = [m.end() for m in pattern.finditer(window) if m.end() > len(window) // 3]
        if matches:
            return start + matches[-1]
    return limit


def chunk_text(text: str, max_tokens: int = 1024, language: str = "en") -> list[Chunk]:
    """Greedy packing of whole sentences into chunks of at most ``max_tokens`` (estimated); a tiny
    last chunk joins the one before (:func:`_fold_tiny_tail`)."""
    if max_tokens < 8:
        raise ValueError("max_tokens must be at least 8")
    pieces: list[tuple[int, int]] = []
    for s, e in sentence_spans(text, language):
        pieces.extend(split_long(text, s, e, max_tokens))
    bounds: list[tuple[int, int]] = []
    cur_start, cur_tokens = None, 0
    for s, e in pieces:
        tokens = estimate_tokens(text[s:e])
        if cur_start is not None and cur_tokens + tokens > max_tokens:
            bounds.append((cur_start, s))
            cur_start, cur_tokens = None, 0
        if cur_start is None:
            cur_start = s
        cur_tokens += tokens
    if cur_start is not None:
        bounds.append((cur_start, len(text)))
    bounds = _fold_tiny_tail(text, bounds, max_tokens)
    return [Chunk(index=i, start=s, end=e, text=text[s:e]) for i, (s, e) in enumerate(bounds)]


TINY_TAIL = 0.125  # a last chunk of at most this share of the budget is not worth a request of its own


def _fold_tiny_tail(text: str, bounds: list[tuple[int, int]], max_tokens: int) -> list[tuple[int, int]]:
    """The last chunk folded into the one before when it is a sentence or two: a request for 59
    characters costs the whole prompt again. The one chunk that may exceed the budget, by at most
    :data:`TINY_TAIL` of it."""
    if len(bounds) < 2:
        return bounds
    (a, _), (b, end) = bounds[-2], bounds[-1]
    if not text[b:end].strip() or estimate_tokens(text[a:end]) > (1 + TINY_TAIL) * max_tokens:
        return bounds
    if estimate_tokens(text[b:end]) > TINY_TAIL * max_tokens:
        return bounds
    return [*bounds[:-2], (a, end)]
