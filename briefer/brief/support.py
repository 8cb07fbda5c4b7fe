"""Does a claim say only what its cited spans say? The check behind every rendered statement.

Quotes are verified character by character, but the claim is the model's own
sentence. A claim that names a person, place or number its quotes never
mention is not supported by them, whatever the quotes say.
"""

from __future__ import annotations

import re

from ..text import (
    NAME,
    NUMBER,
    NUMBER_WORD,
    NUMBER_WORD_VALUES,
    STOP_WORDS,
    content_words,
    match_prefix,
    normalize,
)

MIN_OVERLAP = 0.5  # of a claim's content words must occur in its quotes


def _has_number_word(word: str, text: str, digits: str) -> bool:
    """ "nine" is supported by "nine" or by "9"."""
    if re.search(rf"\b{word}\b", text):
        return True
    value = NUMBER_WORD_VALUES.get(word)
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
    digits = NUMBER.sub(lambda m: m.group().replace(",", ""), text)
    missing = [n for n in NUMBER.findall(claim) if n.replace(",", "") not in digits]
    missing += [w for w in NUMBER_WORD.findall(claim.casefold()) if not _has_number_word(w, text, digits)]
    missing += _names_missing(claim, text)
    if not missing and content_overlap(claim, text) < MIN_OVERLAP:
        missing.append(f"most of the claim ({round(content_overlap(claim, text) * 100)}% of its words found)")
    return missing


def content_overlap(claim: str, evidence: str) -> float:
    """Share of the claim's content words (3+ letters, not stop words) found in the evidence, by prefix."""
    words = content_words(claim)
    if not words:
        return 1.0
    text = " " + normalize(evidence) + " "
    return sum(bool(re.search(rf"\b{re.escape(match_prefix(w))}", text)) for w in words) / len(words)


def _names_missing(claim: str, text: str) -> list[str]:
    missing = []
    for name in NAME.findall(claim):
        for word in normalize(name).replace("-", " ").split():
            word = re.sub(r"'s?$", "", word)
            if word in STOP_WORDS or len(word) < 2:
                continue
            if not re.search(rf"\W{re.escape(match_prefix(word))}", text):
                missing.append(word)
    return missing
