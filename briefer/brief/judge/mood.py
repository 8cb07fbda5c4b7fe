"""Polarity, modality and tense: "not caused" is not "caused", "could take" is not "will take".

Each closed-class word is read with what it governs (the first content word
after it), so a negation or a modal in another clause of the cited sentence
never objects to a statement that leaves that clause out: "The bridge reopened
on Monday" is supported by "The bridge reopened on Monday, but trucks are not
allowed", while "Trucks are allowed" is not.
"""

from __future__ import annotations

import re

from .base import Evidence, Verdict, objection
from .lexicon import AUXILIARIES, PAST_MARKERS, find_phrases, find_word, governed, is_past_form, table, tokens

NEGATION = table(
    dict.fromkeys(
        "not;no;never;none;nobody;nothing;neither;nor;without;no longer;unable to;fail to;fails to;failed to;"
        "failing to;refused to;refuses to;lack;lacks;lacked".split(";"),
        "negation",
    )
)
NOT_NEGATION = table(dict.fromkeys("not only;not just;no doubt;not least".split(";"), "idiom"))

MODALS = table(
    {
        "will": "future", "shall": "future", "going to": "future", "is set to": "future",
        "are set to": "future", "is due to": "future", "are due to": "future", "scheduled to": "future",
        "would": "conditional",
        "could": "possible", "may": "possible", "might": "possible", "can": "possible",
        "possibly": "possible", "perhaps": "possible", "maybe": "possible",
        "must": "obligation", "should": "obligation", "has to": "obligation", "have to": "obligation",
        "had to": "obligation", "need to": "obligation", "needs to": "obligation", "ought to": "obligation",
        "plans to": "plan", "planned to": "plan", "plan to": "plan", "intends to": "plan", "aims to": "plan",
        "aiming to": "plan", "hopes to": "plan", "expected to": "plan", "likely to": "plan",
    }
)  # fmt: skip
# What a statement's modal needs in the source: "will" is backed by "will", "would" (reported) or "is set to".
BACKED_BY = {
    "future": {"future", "conditional"},
    "conditional": {"conditional", "future", "possible", "plan"},
    "possible": {"possible", "conditional", "plan"},
    "obligation": {"obligation"},
    "plan": {"plan", "future", "conditional", "possible"},
}
# A source's modal that a statement may not drop (keeping what it governs): "could take" -> "takes".
MUST_KEEP = frozenset({"possible", "obligation", "plan", "conditional"})


def negations(text: str) -> list[tuple[str, str | None]]:
    """``(negation, governed word)`` of every negation in ``text``; idioms such as "not only" are none."""
    words = tokens(text)
    idioms = {i for start, end, _ in find_phrases(words, NOT_NEGATION) for i in range(start, end)}
    return [
        (" ".join(words[s:e]), governed(words, e - 1))
        for s, e, _ in find_phrases(words, NEGATION)
        if s not in idioms and not (words[s] == "no" and e < len(words) and words[e][:1].isdigit())
    ]


def polarity(statement: str, evidence: Evidence) -> Verdict | None:
    """A negation added, or one of the source's negations dropped from what it negates."""
    said, source = negations(statement), negations(evidence.context)
    if said and not source:
        word, what = said[0]
        return objection(
            "polarity", f'the statement says "{_join(word, what)}", the source does not negate it', word
        )
    if said:
        return None
    words = tokens(statement)
    for word, what in source:
        if what is not None and find_word(words, what) is not None:
            return objection(
                "polarity", f'the source says "{_join(word, what)}", the statement drops the "{word}"', what
            )
    return None


# Words of opposite direction: a statement that says one where the source says only the other reverses it.
DIRECTIONS = tuple(
    (frozenset(a.split()), frozenset(b.split()))
    for a, b in (
        (
            "rise rises rose risen rising increase increases increased up higher gain gains gained jump jumps"
            " jumped grew grow grows growing",
            "fall falls fell fallen falling decrease decreases decreased down lower drop drops dropped"
            " shrink shrank",
        ),
        ("open opens opened reopen reopens reopened", "close closes closed shut shuts"),
        ("approve approves approved accept accepts accepted", "reject rejects rejected refuse refused"),
        ("win wins won", "lose loses lost"),
        ("support supports supported favour favor", "oppose opposes opposed against"),
    )
)


def direction(statement: str, evidence: Evidence) -> Verdict | None:
    """A word of the opposite direction: "rose" where the source only says "fell", "reopen" for "stay shut"."""
    said, source = set(tokens(statement)), set(tokens(evidence.context))
    for one, other in DIRECTIONS:
        for ours, theirs in ((one, other), (other, one)):
            if said & ours and source & theirs and not source & ours:
                word, their = sorted(said & ours)[0], sorted(source & theirs)[0]
                return objection("direction", f'the source says "{their}", the statement "{word}"', word)
    return None


def modals(text: str) -> list[tuple[str, str, str | None]]:
    """``(modal, class, governed word)`` of every modal in ``text``."""
    words = tokens(text)
    return [
        (" ".join(words[s:e]), kind, governed(words, e - 1))
        for s, e, kind in find_phrases(words, MODALS)
        if not _a_noun(words, s, e)
    ]


_BEFORE_NOUN = frozenset(
    "in on of since until by early late mid last next this the a his her their its own".split()
)


def _a_noun(words: tuple[str, ...], s: int, e: int) -> bool:
    """ "in May", "May 12", "the will of the people": a month or a noun, not a modal."""
    if e - s > 1:
        return False
    after = words[e] if e < len(words) else ""
    return (s > 0 and words[s - 1] in _BEFORE_NOUN) or after[:1].isdigit()


# An estimate backs a "could": "estimated the work at six weeks or more" ~ "the work could take six weeks".
_ESTIMATE = re.compile(r"\b(?:estimat|predict|forecast|projected|anticipat)\w*", re.I)


def modality(statement: str, evidence: Evidence) -> Verdict | None:
    """A modal the source does not back ("will" for "could"), a kept verb that lost its modal, will -> did."""
    said, source = modals(statement), modals(evidence.context)
    kinds = {kind for _, kind, _ in source} | ({"possible"} if _ESTIMATE.search(evidence.context) else set())
    for word, kind, what in said:
        if not BACKED_BY[kind] & kinds:
            backing = _backing(source, what)
            reason = f'the source says "{backing}", the statement "{_join(word, what)}"' if backing else (
                f'the statement says "{_join(word, what)}", the source has no "{word}"'
            )  # fmt: skip
            return objection("modality", reason, word)
    return _dropped_modal(statement, said, source)


def _dropped_modal(statement: str, said: list, source: list) -> Verdict | None:
    words = tokens(statement)
    hedged = {kind for _, kind, _ in said}
    for word, kind, what in source:
        if what is None or (i := find_word(words, what)) is None:
            continue
        if kind in MUST_KEEP and not hedged & BACKED_BY[kind]:
            return objection(
                "modality",
                f'the source says "{_join(word, what)}", the statement "{_shown(words, i)}"',
                words[i],
            )
        if kind in ("future", "plan") and not hedged and is_past_form(words, i, what):
            return objection(
                "modality",
                f'the source says "{_join(word, what)}", the statement "{_shown(words, i)}"',
                words[i],
            )
    return None


def _backing(source: list, what: str | None) -> str | None:
    """The source's modal phrase for the same verb, if it has one."""
    for word, _, governed_word in source:
        if what is not None and governed_word is not None and find_word((governed_word,), what) is not None:
            return _join(word, governed_word)
    return None


def _join(word: str, what: str | None) -> str:
    return f"{word} {what}" if what else word


def _shown(words: tuple[str, ...], i: int) -> str:
    """The statement's verb, with the auxiliary or modal before it, as the reason quotes it."""
    before = words[i - 1] if i else ""
    keep = before in AUXILIARIES or before in PAST_MARKERS or (before,) in MODALS
    return f"{before} {words[i]}" if keep else words[i]
