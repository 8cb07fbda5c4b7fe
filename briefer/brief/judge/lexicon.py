"""The closed-class words the structural checks read, and the tokens they read them in.

A token is a lower-cased word or number of normalized text (quote and dash
variants folded, "n't" spelled "not", "won't" "will not"). What a closed-class
word governs is the first content word after it: "could take" -> "take",
"was not caused" -> "caused". Two words are one when they are equal, share a
prefix (:func:`briefer.text.match_prefix`) or are a verb and its irregular
past ("took", "take").
"""

from __future__ import annotations

import re
from functools import lru_cache

from ...text import NUMBER_WORD_VALUES, STOP_WORDS, match_prefix, normalize

_CONTRACTIONS = (
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bcan't\b|\bcannot\b"), "can not"),
    (re.compile(r"\bshan't\b"), "shall not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"'s\b|'\B"), ""),
)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)?|[,;:]")

# Words that sit between a closed-class word and what it governs ("will also soon take").
AUXILIARIES = frozenset(
    """be been being is are was were am have has had do does did also still soon then yet even ever further
    again just really actually already now likely probably possibly perhaps quickly eventually""".split()
)
IRREGULAR_PAST = {
    "took": "take", "taken": "take", "paid": "pay", "met": "meet", "flew": "fly", "flown": "fly",
    "went": "go", "gone": "go", "made": "make", "held": "hold", "began": "begin", "begun": "begin",
    "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "won": "win", "left": "leave",
    "sent": "send", "built": "build", "led": "lead", "struck": "strike", "came": "come", "gave": "give",
    "given": "give", "grew": "grow", "grown": "grow", "ran": "run", "saw": "see", "seen": "see",
    "sold": "sell", "spent": "spend", "told": "tell", "thought": "think", "brought": "bring",
    "bought": "buy", "kept": "keep", "lost": "lose", "became": "become", "chose": "choose",
    "chosen": "choose", "found": "find", "shut": "shut", "cost": "cost", "set": "set", "cut": "cut",
    "drove": "drive", "driven": "drive", "broke": "break", "broken": "break", "spoke": "speak",
    "wrote": "write", "written": "write", "fought": "fight", "stood": "stand", "sought": "seek",
}  # fmt: skip
PAST_MARKERS = frozenset("has have had did was were".split())


@lru_cache(maxsize=512)
def tokens(text: str) -> tuple[str, ...]:
    """The lower-cased words, numbers and clause marks (, ; :) of ``text``, contractions spelled out."""
    folded = normalize(text)
    for pattern, repl in _CONTRACTIONS:
        folded = pattern.sub(repl, folded)
    return tuple(_TOKEN.findall(folded.replace("-", " ")))


def is_content(word: str) -> bool:
    return len(word) >= 3 and word.isalpha() and word not in STOP_WORDS and word not in AUXILIARIES


def governed(words: tuple[str, ...], after: int, reach: int = 4) -> str | None:
    """The first content word after index ``after`` (within ``reach`` words), or None."""
    for word in words[after + 1 : after + 1 + reach]:
        if word in (",", ";"):
            return None
        if is_content(word) and word not in ("not", "never"):
            return word
    return None


def base_form(word: str) -> str:
    return IRREGULAR_PAST.get(word, word)


def same_word(a: str, b: str) -> bool:
    """Are ``a`` and ``b`` one word: equal, sharing a prefix, or a verb and its irregular past?"""
    a, b = base_form(a), base_form(b)
    if a == b or _root(a) == _root(b):
        return True
    if min(len(a), len(b)) < 4:
        return False
    return a.startswith(match_prefix(b)) or b.startswith(match_prefix(a))


def _root(word: str) -> str:
    """A short word without its inflection ("runs" -> "run"), for words too short to compare by prefix."""
    for suffix in ("ing", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def find_word(words: tuple[str, ...], word: str) -> int | None:
    """Index of the first of ``words`` that is one word with ``word``."""
    return next((i for i, w in enumerate(words) if same_word(w, word)), None)


def is_past_form(words: tuple[str, ...], i: int, base: str) -> bool:
    """Is ``words[i]`` (one word with ``base``) in a past form: "-ed", an irregular past, or after "has"/"was"?"""
    word = words[i]
    if word in IRREGULAR_PAST and base_form(base) != word:
        return True
    if word.endswith("ed") and not base.endswith(("ed", "d")):
        return True
    before = words[max(0, i - 2) : i]
    return any(w in PAST_MARKERS for w in before) and not base.endswith("ed")


def phrase_at(
    words: tuple[str, ...], phrases: dict[tuple[str, ...], str], end: int
) -> tuple[str, str] | None:
    """The phrase of ``phrases`` (word tuples) that ends just before index ``end``, with its class."""
    for phrase in sorted(phrases, key=len, reverse=True):
        n = len(phrase)
        if end - n >= 0 and words[end - n : end] == phrase:
            return " ".join(phrase), phrases[phrase]
    return None


def find_phrases(words: tuple[str, ...], phrases: dict[tuple[str, ...], str]) -> list[tuple[int, int, str]]:
    """``(start, end, class)`` of every phrase of ``phrases`` in ``words``, longest first where they overlap."""
    found, taken = [], set()
    for phrase in sorted(phrases, key=len, reverse=True):
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if words[i : i + n] == phrase and not taken & set(range(i, i + n)):
                found.append((i, i + n, phrases[phrase]))
                taken |= set(range(i, i + n))
    return sorted(found)


def number_value(word: str) -> str | None:
    """A number token's value as plain digits ("120,000" -> "120000", "ten" -> "10"), else None."""
    if word[:1].isdigit():
        return word.replace(",", "")
    return NUMBER_WORD_VALUES.get(word)


def table(spec: dict[str, str]) -> dict[tuple[str, ...], str]:
    """``{"at least": "lower"}`` -> ``{("at", "least"): "lower"}``."""
    return {tuple(k.split()): v for k, v in spec.items()}
