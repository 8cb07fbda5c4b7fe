"""Does a claim say only what its cited spans say? The check behind every rendered statement.

Quotes are verified character by character, but the claim is the model's own
sentence. A claim that names a person, place or number its quotes never
mention is not supported by them ("Trump visited in 2000" citing a sentence
about Putin), whatever the quotes say; nor is one whose content words are
mostly absent from them.

Names are the article's own: a capitalised word counts as a name only when the
article writes it capitalised mid-sentence, so "According", "However" or
"Reportedly" opening a claim is not a name. Attribution words ("said",
"according to") are neither names nor content.

When the model's quotes do not carry a claim, :func:`supporting_sentence`
looks for the body sentence that does, so the statement cites the span that
really says it, and a headline is cited only when no body sentence carries
the claim.
"""

from __future__ import annotations

import re

from ..language import ENGLISH_CODE, Language, language
from ..text import (
    NAME,
    NUMBER,
    NUMBER_WORD,
    NUMBER_WORD_VALUES,
    REPORTING_WORDS,
    STOP_WORDS,
    content_words,
    fold_digits,
    match_prefix,
    normalize,
)
from .sourcetext import names_in
from .speakers import TITLES

MIN_OVERLAP = 0.5  # of a claim's content words must occur in its quotes
RESUPPORT_OVERLAP = 0.75  # ... and in a sentence the code cites instead of the model's quotes


def unsupported_terms(
    claim: str,
    evidence: str,
    names: frozenset[str] | None = None,
    lang: Language | None = None,
    *,
    translated: bool = False,
) -> list[str]:
    """Numbers, number words, names and (failing those) most content words of ``claim`` absent from ``evidence``.

    ``names`` are the words the article capitalises mid-sentence; without them
    every capitalised run counts as a name. Word forms match by prefix, so
    "Russian" is supported by "Russia". ``lang`` is the article's language
    (English by default): number words are English ones, names are checked
    only where capitals mark them, and a ``translated`` claim (written in
    another language than the article) is held to its numbers and names only.
    """
    lang = lang or language(ENGLISH_CODE)
    if not lang.english:
        return _unsupported_elsewhere(claim, evidence, names, lang, translated)
    text = " " + normalize(evidence).replace("-", " ") + " "
    digits = NUMBER.sub(lambda m: m.group().replace(",", ""), text)
    missing = [n for n in NUMBER.findall(fold_digits(claim)) if n.replace(",", "") not in digits]
    missing += [w for w in NUMBER_WORD.findall(claim.casefold()) if not _has_number_word(w, text, digits)]
    missing += _names_missing(claim, text, names)
    if not missing and not translated and (share := content_overlap(claim, text, names)) < MIN_OVERLAP:
        missing.append(f"most of what the claim says ({round(share * 100)}% of its words found)")
    return missing


# Numbers as other languages write them: "1.000", "3,5", "1 000" (a space before three digits).
_NUMBER_ANY = re.compile(r"\d+(?:(?:[.,]| (?=\d{3}(?!\d)))\d+)*")
# Scripts whose words take prefixes (Arabic "و" and "ال"): a word is found anywhere, not at a word start.
_PREFIXED = frozenset({"ar", "fa", "ur", "he"})


def _unsupported_elsewhere(
    claim: str, evidence: str, names: frozenset[str] | None, lang: Language, translated: bool
) -> list[str]:
    """:func:`unsupported_terms` for a language other than English.

    Numbers compare by their digits alone, whatever the separators. Names are
    checked only in cased scripts, against the language's stop words.
    """
    text = " " + normalize(evidence).replace("-", " ") + " "
    found = " ".join(re.sub(r"\D", "", n) for n in _NUMBER_ANY.findall(text))
    missing = [n for n in _NUMBER_ANY.findall(normalize(claim)) if re.sub(r"\D", "", n) not in found]
    if lang.cased:
        missing += _names_missing(claim, text, names, lang.stop_words)
    if not missing and not translated and (share := content_overlap(claim, text, names, lang)) < MIN_OVERLAP:
        missing.append(f"most of what the claim says ({round(share * 100)}% of its words found)")
    return missing


def _has_number_word(word: str, text: str, digits: str) -> bool:
    """ "nine" is supported by "nine" or by "9"."""
    if re.search(rf"\b{word}\b", text):
        return True
    value = NUMBER_WORD_VALUES.get(word)
    return value is not None and re.search(rf"(?<![\d.,]){value}(?![\d])", digits) is not None


def content_overlap(
    claim: str, evidence: str, names: frozenset[str] | None = None, lang: Language | None = None
) -> float:
    """Share of the claim's content words found in the evidence, by prefix.

    With the article's ``names``, name words are left out (they are checked on
    their own): "Putin is giving political blessing to Kim" must find what it
    says about Putin and Kim, not just their names. In a language written
    without spaces the claim's content is its pairs of letters.
    """
    if lang is not None and not lang.english:
        return _overlap_elsewhere(claim, evidence, names, lang)
    skip = (
        {w for n in claim_names(claim, names) for w in normalize(n).replace("-", " ").split()}
        if names
        else set()
    )
    words = [w for w in content_words(claim) if w not in skip] or ([] if skip else content_words(claim))
    if not words:
        return 1.0
    text = " " + normalize(evidence) + " "
    return sum(bool(re.search(rf"\b{re.escape(match_prefix(w))}", text)) for w in words) / len(words)


_LETTERS = re.compile(r"[^\W\d_]+")


def _overlap_elsewhere(claim: str, evidence: str, names: frozenset[str] | None, lang: Language) -> float:
    text = " " + normalize(evidence) + " "
    if not lang.spaced:
        pairs = {run[i : i + 2] for run in _LETTERS.findall(normalize(claim)) for i in range(len(run) - 1)}
        pairs = {p for p in pairs if p not in lang.stop_words}
        return sum(p in text for p in pairs) / len(pairs) if pairs else 1.0
    skip = set()
    if names and lang.cased:
        skip = {w for n in claim_names(claim, names) for w in normalize(n).replace("-", " ").split()}
    words = [w for w in _LETTERS.findall(normalize(claim)) if len(w) >= 3 and w not in lang.stop_words]
    words = [w for w in words if w not in skip] or words
    if not words:
        return 1.0
    anchor = "" if lang.code in _PREFIXED else r"\b"
    return sum(bool(re.search(anchor + re.escape(match_prefix(w)), text)) for w in words) / len(words)


def claim_names(claim: str, names: frozenset[str] | None) -> list[str]:
    """The name runs of a claim; with the article's ``names``, sentence-initial words count only if known."""
    return names_in(claim, names) if names is not None else NAME.findall(claim)


def _names_missing(
    claim: str, text: str, names: frozenset[str] | None, stop_words: frozenset[str] = STOP_WORDS
) -> list[str]:
    """Name words the evidence lacks; a title before a name ("President Putin") needs only the name."""
    missing = []
    for name in claim_names(claim, names):
        words = [re.sub(r"'s?$", "", w) for w in normalize(name).replace("-", " ").split()]
        for n, word in enumerate(words):
            if word in stop_words or word in REPORTING_WORDS or len(word) < 2:
                continue
            if word in TITLES and n + 1 < len(words):
                continue
            if not re.search(rf"\W{re.escape(match_prefix(word))}", text):
                missing.append(word)
    return missing


def supporting_sentence(
    claim: str,
    text: str,
    sentences: list[tuple[int, int]],
    names: frozenset[str] | None,
    lang: Language | None = None,
) -> tuple[int, int] | None:
    """The sentence that carries every name, number and most words of ``claim``; the best-covering one wins."""
    best, best_share = None, 0.0
    for start, end in sentences:
        sentence = text[start:end]
        if unsupported_terms(claim, sentence, names, lang):
            continue
        share = content_overlap(claim, sentence, names, lang)
        if share >= RESUPPORT_OVERLAP and share > best_share:
            best, best_share = (start, end), share
    return best
