"""The text heuristics briefer shares, with one set of constants.

Grounding, claim support, fact merging, story clustering and the kind check
all ask the same small questions of English text: which words carry content,
which are numbers or number words, which are names, and whether two forms are
one word. They are answered here and nowhere else.

- :func:`normalize` folds case, whitespace runs, quote/dash variants and digits;
  :class:`NormalizedText` keeps, for every folded character, the index of the
  original one, so a match in folded text maps back to exact offsets.
- Two word-form helpers with different jobs: :func:`match_prefix` is the
  prefix that finds inflected forms in running text ("Russian" ~ "Russia");
  :func:`stem` strips a plural or verb suffix so two word *sets* compare.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        "\u2026": "...",
        "\u066b": ".",  # Arabic decimal separator
        "\u066c": ",",  # Arabic thousands separator
    }
)


class _Digits(dict):
    """``str.translate`` table: every decimal digit (Arabic-Indic, Devanagari, ...) to its ASCII digit,
    filled as characters are met (the full table would cost a scan of Unicode at import)."""

    def __missing__(self, code: int) -> int | str:
        char = chr(code)
        value: int | str = str(unicodedata.decimal(char)) if code > 127 and char.isdecimal() else code
        self[code] = value
        return value


_DIGITS = _Digits()


def fold_digits(text: str) -> str:
    """``text`` with its decimal digits written as ASCII digits ("٣٠" -> "30"); the same length."""
    return text if text.isascii() else text.translate(_DIGITS)


# Function words: never content, never a name.
STOP_WORDS = frozenset(
    "a an the this that these those it its he she they his her their we our i you in on at of to for by with from"
    " and or but as if when while after before since during about over under will would could should may might"
    " must can has have had is are was were be been being not no also there here what who which why how".split()
)
# Words every news report uses; they say nothing about which story it is.
NEWS_FILLER = frozenset(
    """about above again against all am any because before below between both did do does doing down each few
    further having hers herself him himself into itself just me more most my nor now off once only other ours out
    own said same says so some such than theirs them then through too until up very where whom your yours mr mrs
    ms one two new last first year years week day told according still shall like""".split()
)

# Attribution words: how a claim says who said it. They are neither content (a quote
# never repeats "said") nor names ("According to the Kremlin, ...").
REPORTING_WORDS = frozenset(
    """said says say saying told tells according reportedly allegedly claimed claims claim added adds stated
    states announced announces warned warns argued argues believes believe believed insisted insists noted
    notes suggested suggests confirmed confirms denied denies described describes expects expected
    however despite although meanwhile definitely also still""".split()
)

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
    " eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion"
    " trillion dozen half quarter twice double triple"
).split()
NUMBER_WORD = re.compile(r"\b(?:" + "|".join(NUMBER_WORDS) + r")\b")
NUMBER_WORD_VALUES = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
        " seventeen eighteen nineteen twenty".split()
    )
}
NUMBER_WORD_VALUES.update(
    thirty="30", forty="40", fifty="50", sixty="60", seventy="70", eighty="80", ninety="90"
)
NAME = re.compile(r"\b[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)*")
CONTENT_WORD = re.compile(r"[^\W\d_]{3,}")


def fold(unit: str) -> str:
    """A character (with its combining marks) folded: quote and dash variants, NFKC, case."""
    folded = unicodedata.normalize("NFKC", unit.translate(_FOLD)).casefold()
    return folded if folded.isascii() else folded.translate(_DIGITS)


class NormalizedText:
    """A folded copy of a text plus, for each folded character, the original range it came from.

    A base character and the combining marks after it fold as one unit, so
    NFD text ("e" + U+0301) matches an NFC quote ("é") and a match never cuts
    between a letter and its accent.
    """

    def __init__(self, text: str):
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        in_space = False
        for i, j in _units(text):
            if text[i].isspace():
                if not in_space and chars:
                    chars.append(" ")
                    starts.append(i)
                    ends.append(j)
                in_space = True
                continue
            in_space = False
            for out in fold(text[i:j]):
                chars.append(out)
                starts.append(i)
                ends.append(j)
        self.text = "".join(chars)
        self.index = starts
        self.ends = ends

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` covering folded ``[start, end)``."""
        return self.index[start], self.ends[end - 1]


def _units(text: str):
    """``(start, end)`` of each character with the combining marks that follow it."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def normalize(text: str) -> str:
    return NormalizedText(text).text.strip()


def match_prefix(word: str) -> str:
    """The prefix that finds a word's inflected forms in running text ("Russian" ~ "Russia")."""
    return word[: max(4, len(word) - 3)]


def stem(word: str) -> str:
    """A lower-cased word without a plural or verb suffix, for comparing word sets."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Normalized words of 3+ letters that are neither function words nor attribution words."""
    return [
        w for w in CONTENT_WORD.findall(normalize(text)) if w not in STOP_WORDS and w not in REPORTING_WORDS
    ]


def numbers(text: str) -> set[str]:
    """Numbers written with digits, as written (so "40" never equals "50")."""
    return set(re.findall(r"\d[\d,.]*", text))


# Two claims state the same fact when they are near-identical sentences, or
# similar sentences whose evidence agrees (overlapping spans in one article,
# similar quotes across reports). One pair of thresholds for both uses.
SAME_CLAIM = 80.0  # token-sort ratio of the normalized claims
SIMILAR_CLAIM = 65.0  # token-set ratio, when the evidence agrees


def same_claim(a: str, b: str, *, same_evidence: bool) -> bool:
    """Do claims ``a`` and ``b`` state one fact? Claims with different numbers never do ("40" is not "50")."""
    if numbers(a) != numbers(b):
        return False
    return _same_normalized(normalize(a), normalize(b), same_evidence)


def _same_normalized(a: str, b: str, same_evidence: bool) -> bool:
    if fuzz.token_sort_ratio(a, b) >= SAME_CLAIM:
        return True
    return same_evidence and fuzz.token_set_ratio(a, b) >= SIMILAR_CLAIM


class ClaimSet:
    """Many claims, each normalized once, for :func:`same_claim` questions about many pairs.

    ``same(i, j, same_evidence=e)`` is ``same_claim(claims[i], claims[j], same_evidence=e)``.
    Which pairs can pass is found in batches: claims with different numbers
    never pass, so only claims with the same set of numbers are compared
    (a *block*), and within a block rapidfuzz's ``cdist`` scores every pair in
    C. :meth:`near_identical` holds every pair that passes without evidence,
    :meth:`similar` every pair that can pass with it. Blocking on shared words
    would not be safe: "Ships sank." and "Ship sank" share no word yet score 90.
    """

    def __init__(self, claims: Sequence[str]):
        self.normalized = [normalize(c) for c in claims]
        self.numbers = [frozenset(numbers(c)) for c in claims]

    def same(self, i: int, j: int, *, same_evidence: bool) -> bool:
        if self.numbers[i] != self.numbers[j]:
            return False
        return _same_normalized(self.normalized[i], self.normalized[j], same_evidence)

    def near_identical(self) -> set[tuple[int, int]]:
        """Pairs ``i < j`` that :meth:`same` accepts whatever the evidence (and maybe a few more)."""
        return self._scoring(fuzz.token_sort_ratio, SAME_CLAIM)

    def similar(self) -> set[tuple[int, int]]:
        """Pairs ``i < j`` that :meth:`same` may accept when the evidence agrees (and maybe a few more)."""
        return self._scoring(fuzz.token_set_ratio, SIMILAR_CLAIM)

    def _scoring(self, scorer: Callable[..., float], cutoff: float) -> set[tuple[int, int]]:
        blocks: dict[frozenset[str], list[int]] = {}
        for i, key in enumerate(self.numbers):
            blocks.setdefault(key, []).append(i)
        found: set[tuple[int, int]] = set()
        for block in blocks.values():
            found |= _pairs_scoring(block, [self.normalized[i] for i in block], scorer, cutoff)
        return found


_ROWS = 256  # rows of one cdist call: memory stays rows x block size
# Below this many texts a block is scored pair by pair in Python: cdist would import numpy
# (0.1 s in every brief) for a few dozen pairs. One thread either way: the callers already
# run on a digest's worker threads, and a pool per call inside them only adds contention.
_SMALL_BLOCK = 64


def _pairs_scoring(
    index: list[int], texts: list[str], scorer: Callable[..., float], cutoff: float
) -> set[tuple[int, int]]:
    """Pairs of ``index`` whose texts score at least ``cutoff`` (less a margin: callers re-check exactly)."""
    floor = cutoff - 0.5
    if len(texts) < _SMALL_BLOCK:
        return {
            (index[r], index[c])
            for r in range(len(texts) - 1)
            for c in range(r + 1, len(texts))
            if scorer(texts[r], texts[c], score_cutoff=floor)
        }
    found: set[tuple[int, int]] = set()
    for top in range(0, len(texts) - 1, _ROWS):
        rows = texts[top : top + _ROWS]
        scores = process.cdist(rows, texts[top:], scorer=scorer, score_cutoff=floor, workers=1)
        for r, c in zip(*scores.nonzero(), strict=True):
            if c > r:  # column c is text top + c, row r is text top + r
                found.add((index[top + r], index[top + c]))
    return found
