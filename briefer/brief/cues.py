"""How a source text reports speech: the reporting cues of a sentence, outside quotations.

A cue is a reporting verb ("said", "told", "warned", ...), "according to", "reportedly",
"quoted X as saying", or a passive report ("is said to", "are believed to"). Cues are searched
in the masked text (``sourcetext.masked_text``), so a verb inside a quotation is never one.

- Strong verbs always count; weak ones ("added", "found", "called", "showed", "ruled", ...)
  only next to a quotation, before "that"/"whether"/a comma, at the end of the sentence
  ("..., data showed on Thursday."), or in inverted form (", added Smith").
- No cue: a negated verb ("did not say"), an infinitive ("declined to say"), a noun use
  ("the claims", "37 confirmed cases"), a relative clause ("who said"), a capitalised word,
  a passive that is not a report ("No injuries were reported"), "reportedly" before a verb
  (the verb carries the speaker).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
WHEN = rf"(?:on|last|this|late|early|earlier)\s+(?:{DAYS}|morning|afternoon|evening|night|week|weekend|month|year)"
_STRONG = (
    r"say|says|said|told|tells?|claim(?:s|ed)?|argue[sd]?|warn(?:s|ed)?|announce[sd]?|insist(?:s|ed)?"
    r"|believe[sd]?|thinks?|thought|explain(?:s|ed)?|confirm(?:s|ed)?|den(?:y|ies|ied)|acknowledge[sd]?"
    r"|admit(?:s|ted)?|assert(?:s|ed)?|allege[sd]?|contend(?:s|ed)?|predict(?:s|ed)?|wr(?:ote|ites)"
    r"|promise[sd]?|vow(?:s|ed)?|pledge[sd]?|suggest(?:s|ed)?|concede[sd]?|tweet(?:s|ed)?|blame[sd]?"
)
_WEAK = (
    r"add(?:s|ed)?|note[sd]?|state[sd]?|report(?:s|ed)?|found|finds?|fear(?:s|ed)?|stress(?:es|ed)"
    r"|maintain(?:s|ed)?|recall(?:s|ed)?|estimate[sd]?|describe[sd]?|dismiss(?:es|ed)|call(?:s|ed)?"
    r"|urge[sd]?|praise[sd]?|critici[sz]e[sd]?|reject(?:s|ed)?|worr(?:y|ies|ied)|question(?:s|ed)?|doubt(?:s|ed)?"
    r"|show(?:s|ed)?|ask(?:s|ed)?|rule[sd]?|conclude[sd]?|testif(?:y|ies|ied)|declare[sd]?|repl(?:y|ies|ied)"
    r"|respond(?:s|ed)?|answer(?:s|ed)?|remark(?:s|ed)?|observe[sd]?|agree[sd]?|reveal(?:s|ed)?|disclose[sd]?"
    r"|indicate[sd]?|forecast(?:s|ed)?|complain(?:s|ed)?|caution(?:s|ed)?|recommend(?:s|ed)?"
)
_CUE = re.compile(
    rf"\b(?:(?P<acc>according to)|(?P<rep>reportedly)|(?P<quoted>quoted)|(?P<strong>{_STRONG})|(?P<weak>{_WEAK}))\b",
    re.I,
)
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?$", re.I)
_PASSIVE_VERBS = frozenset(
    "said reported believed thought alleged rumoured rumored understood claimed".split()
)
_NOUN_BEFORE = re.compile(
    r"(?:\b(?:a|an|the|this|these|those|his|her|its|their|our|my|your|of|such|another|every|each|no|to|who|which)"
    r"|\d|-)\s*$",
    re.I,
)
_NEGATED = re.compile(r"\b(?:not|never|neither|nor|no|\w+n['’]t)\b(?:\s+[^\s,;:\"]+){0,2}\s*$", re.I)
_WEAK_AFTER = re.compile(
    rf"\s*(?:[,:\"]|that\b|whether\b)|(?:\s+(?:{WHEN}|{DAYS}|today|yesterday))*\s*[.!?]?\"?\s*$"
)
QUOTED_AS = re.compile(r"\s+(\S.{0,80}?)\s+as\s+saying\b")


@dataclass(frozen=True)
class Cue:
    """A reporting cue as written in the source; ``kind``: verb, according, reportedly, quoted or passive."""

    text: str
    start: int
    end: int
    kind: str


def find_cues(text: str, masked: str, lo: int, hi: int) -> list[Cue]:
    """Reporting cues outside quotation marks in ``[lo, hi)``, in order."""
    quoted = '"' in masked[lo:hi]
    cues = []
    for m in _CUE.finditer(masked, lo, hi):
        cue = _cue(text, masked, m, lo, hi, quoted)
        if cue is not None:
            cues.append(cue)
    return cues


# Characters around a cue its rules read: a few words either side (a whole long sentence for every cue
# in it was quadratic). ``_WEAK_AFTER``, which must reach the sentence end, runs on the text itself.
_AROUND = 200
_ALL = re.compile(r"\ball\s*$", re.I)


def _cue(text: str, masked: str, m: re.Match, lo: int, hi: int, quoted: bool) -> Cue | None:
    word, after = m.group(), masked[m.end() : min(hi, m.end() + _AROUND)]
    near = max(lo, m.start() - _AROUND)
    before = masked[near : m.start()]
    if m.group("acc") or m.group("rep"):
        if m.group("rep") and re.match(rf"\s+(?:{_STRONG}|{_WEAK})\b", after):
            return None  # "reportedly told": the verb carries the speaker
        return Cue(
            text[m.start() : m.end()], m.start(), m.end(), "according" if m.group("acc") else "reportedly"
        )
    if m.group("quoted"):
        said = QUOTED_AS.match(after)
        return Cue(text[m.start() : m.end()], m.start(), m.end(), "quoted") if said else None
    if word[0].isupper() or after.startswith("-") or _NEGATED.search(masked, near, m.start()):
        return None
    passive = _PASSIVE.search(masked, near, m.start())
    if passive:
        if word.lower() in _PASSIVE_VERBS and re.match(r"\s+(?:to|that)\b", after):
            start = passive.start()
            end = m.end() + re.match(r"\s+\w+", after).end()
            return Cue(text[start:end], start, end, "passive")
        return None
    if (
        _NOUN_BEFORE.search(masked, near, m.start())
        or _ALL.search(masked, near, m.start())
        and word == "told"
    ):
        return None
    if m.group("weak") and not (
        quoted or _WEAK_AFTER.match(masked, m.end(), hi) or re.search(r'[,"]\s*$', before)
    ):
        return None
    return Cue(word, m.start(), m.end(), "verb")
