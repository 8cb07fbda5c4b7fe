"""Who is speaking: names, reporting cues and speaker phrases, read from the source text.

Pure text rules, no model. Everything works on two parallel strings of equal
length: the article ``text`` and a ``masked`` copy in which every quotation
mark is ``"`` and every quoted character is ``FILL`` (see
``attribution.masked_text``), so a "said" inside a quotation is never taken
for the article's own reporting verb, and offsets stay those of the text.

- Names: a capitalised word is a name when the article also writes it
  capitalised mid-sentence (``article_names``), or it is an acronym; a word
  capitalised only at sentence starts ("Definitely", "However") is not.
- Cues: reporting verbs ("said", "told", "warned", ...), "according to",
  "reportedly", and passive reports ("is said to", "are believed to").
  Weak verbs ("added", "noted", "found", "called", ...) count only next to a
  quotation, before "that"/a comma/the sentence end, or in inverted form.
- Speaker: the subject before the verb (appositives give the role: "The
  operator, Nordlink, said"), else the phrase after it in inverted form
  (", said Shin Beom-chul, senior fellow at ..."); "according to X" gives X.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pysbd

FILL = "\u2591"  # a quoted character in a masked text
PRONOUNS = frozenset({"he", "she", "they", "it", "we"})
DETERMINERS = frozenset(
    "a an the some several many most two three four five one his her its their our this these those "
    "both all each every any no other another such".split()
)
PREPS = frozenset("of for at in on from with by to about close familiar seen based who that".split())
COMMON_HEADS = frozenset(
    "analysts officials sources experts diplomats critics observers residents witnesses police investigators "
    "authorities economists researchers scientists lawmakers activists officers prosecutors doctors protesters "
    "organisers organizers traders insurers forecasters commentators insiders aides advisers people others "
    "reports polls spokesman spokeswoman spokesperson official source analyst".split()
)
_TITLES = frozenset(
    "mr mrs ms dr prof professor president minister secretary senator governor mayor chancellor judge "
    "commissioner king queen prince princess sheikh pope sir lord lady ambassador councillor premier".split()
)
_PARTICLES = frozenset("bin ibn al el de del della der den di da du van von la le y dos das".split())
_ABBREV = frozenset("mr mrs ms dr st prof gen sen rep gov lt col sgt jr sr no vs mt ft".split())
WORD = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_JOIN = re.compile(r" +(?:(?:%s) +)*" % "|".join(sorted(_PARTICLES)))
_DAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_WHEN = rf"(?:on|last|this|late|early|earlier)\s+(?:{_DAYS}|morning|afternoon|evening|night|week|weekend|month|year)"
_TRAIL = re.compile(
    rf"(?:\s+(?:{_WHEN}|in\s+an?\s+(?:statement|interview|email|post|briefing|speech)|{_DAYS}|today|yesterday"
    r"|also|later|earlier|previously|again|then|now|recently|separately|further|once|long|repeatedly|publicly"
    r"|privately|reportedly|allegedly|has|have|had|will|would|could|may|might|did|does|do|is|was|were|are"
    r"|still|since|already|initially|first|finally|only|just|even|openly|flatly|firmly|strongly))+\s*$"
)
_TAIL_CUT = re.compile(
    rf"\s+(?:to\s+(?:the\s+)?[A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*)*|{_WHEN}|{_DAYS}|today|yesterday"
    r"|in\s+an?\s+(?:statement|interview|email|post|briefing|speech))\s*$"
)
_STRONG = (
    r"say|says|said|told|tells?|claim(?:s|ed)?|argue[sd]?|warn(?:s|ed)?|announce[sd]?|insist(?:s|ed)?"
    r"|believe[sd]?|thinks?|thought|explain(?:s|ed)?|confirm(?:s|ed)?|den(?:y|ies|ied)|acknowledge[sd]?"
    r"|admit(?:s|ted)?|assert(?:s|ed)?|allege[sd]?|contend(?:s|ed)?|predict(?:s|ed)?|wr(?:ote|ites)"
    r"|promise[sd]?|vow(?:s|ed)?|pledge[sd]?|suggest(?:s|ed)?|concede[sd]?|tweet(?:s|ed)?"
)
_WEAK = (
    r"add(?:s|ed)?|note[sd]?|state[sd]?|report(?:s|ed)?|found|finds?|fear(?:s|ed)?|stress(?:es|ed)"
    r"|maintain(?:s|ed)?|recall(?:s|ed)?|estimate[sd]?|describe[sd]?|dismiss(?:es|ed)|call(?:s|ed)?"
    r"|urge[sd]?|praise[sd]?|critici[sz]e[sd]?|reject(?:s|ed)?"
)
_CUE = re.compile(rf"\b(?:(?P<acc>according to)|(?P<rep>reportedly)|(?P<strong>{_STRONG})|(?P<weak>{_WEAK}))\b", re.I)
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?$", re.I)
_PASSIVE_VERBS = frozenset("said reported believed thought alleged rumoured rumored understood claimed".split())
_NOUN_BEFORE = re.compile(
    r"(?:\b(?:a|an|the|this|these|those|his|her|its|their|our|my|your|of|such|another|every|each|no|to|who|which)"
    r"|\d|-)\s*$",
    re.I,
)
_NEGATED = re.compile(r"\b(?:not|never|neither|nor|no|\w+n['’]t)\b(?:\s+[^\s,;:\"]+){0,2}\s*$", re.I)
_WEAK_AFTER = re.compile(r"\s*(?:[,:\"]|that\b|[.!?]|$)")
_BOUNDARY = re.compile(r'[,;:()"\u2591\u2014\u2013]|\s-\s|\b(?:that|while|but|whereas|because|although)\b')
_CLAUSE_END = re.compile(r'[,.;:!?()"\u2591\u2014\u2013]')
_BAD_ROLE = frozenset("who whose which that and but as while when after before because although adding saying".split())


@dataclass(frozen=True)
class Speaker:
    """Who says it, exactly as the source writes it: ``text[start:end] == name``."""

    name: str
    start: int
    end: int
    role: str | None
    role_start: int | None
    role_end: int | None
    named: bool


@dataclass(frozen=True)
class Cue:
    """A reporting cue in the source: ``kind`` is verb, according, reportedly or passive."""

    text: str
    start: int
    end: int
    kind: str


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Fallback sentence offsets: pysbd per line (a fresh Segmenter per call: pysbd is not thread-safe)."""
    segmenter = pysbd.Segmenter(language="en", clean=False)
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\r\n]+", text):
        pos = line.start()
        for piece in segmenter.segment(line.group()):
            piece = piece.strip()
            at = text.find(piece, pos, line.end()) if piece else -1
            if at >= 0:
                spans.append((at, at + len(piece)))
                pos = at + len(piece)
    return spans


def bare(word: str) -> str:
    """A word without its possessive ending: "Kim’s" -> "Kim"."""
    return re.sub(r"['’]s$", "", word)


def initial(text: str, lo: int, pos: int) -> bool:
    """Is the word at ``pos`` the first of a sentence (from ``lo``) or of a quotation?"""
    before = text[lo:pos].rstrip(" \t([{\u2014\u2013-")
    if not before.strip() or before[-1] in "\r\n":
        return True
    if before[-1] in "“‘\"'" and (len(before) == 1 or not before[-2].isalnum()):
        return True
    core = before.rstrip("”’\"')]")
    if not core or core[-1] not in ".!?:":
        return False
    last = re.search(r"(\S+)\.$", core)
    if last and (last.group(1).lower() in _ABBREV or re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", last.group(1))):
        return False
    return True


def name_word(text: str, m: re.Match, known: set[str] | frozenset[str], lo: int) -> bool:
    """A capitalised word that is a name: known from mid-sentence use, an acronym, or itself mid-sentence."""
    w = m.group()
    if not w[0].isupper() or w == "I":
        return False
    if bare(w) in known or (len(w) > 1 and w.replace(".", "").isupper()):
        return True
    return not initial(text, lo, m.start())


def _headline(sentence: str) -> bool:
    s = sentence.strip().rstrip("\"”’'")
    if not s or s[-1] in ".!?":
        return False
    long = [w for w in WORD.findall(s) if len(w) > 3]
    return len(long) >= 2 and sum(w[0].isupper() for w in long) >= 0.8 * len(long)


def article_names(text: str, sentences: list[tuple[int, int]] | None = None) -> set[str]:
    """Words the article capitalises mid-sentence (possessives stripped); title-case headlines are skipped."""
    names: set[str] = set()
    for lo, hi in split_sentences(text) if sentences is None else sentences:
        if _headline(text[lo:hi]):
            continue
        for m in WORD.finditer(text, lo, hi):
            w = m.group()
            if w[0].isupper() and w != "I" and not initial(text, lo, m.start()):
                names.add(bare(w))
    return names


def names_in(fragment: str, known: set[str] | frozenset[str]) -> list[str]:
    """Name runs in ``fragment`` ("Kim Jong-un", "Osama bin Laden"); a sentence-initial word only if in ``known``."""
    runs: list[list[int]] = []  # [start, end, closed]
    for m in WORD.finditer(fragment):
        if not name_word(fragment, m, known, 0):
            continue
        end = m.start() + len(bare(m.group()))
        closed = end != m.end() or fragment[m.end() : m.end() + 1] in ("'", "’")
        if runs and not runs[-1][2] and _JOIN.fullmatch(fragment, runs[-1][1], m.start()):
            runs[-1][1:] = [end, closed]
        else:
            runs.append([m.start(), end, closed])
    return [fragment[a:b] for a, b, _ in runs]


def find_cues(text: str, masked: str, lo: int, hi: int) -> list[Cue]:
    """Reporting cues outside quotation marks in ``[lo, hi)``, in order."""
    quoted = '"' in masked[lo:hi]
    cues = []
    for m in _CUE.finditer(masked, lo, hi):
        cue = _cue(text, masked, m, lo, hi, quoted)
        if cue is not None:
            cues.append(cue)
    return cues


def _cue(text: str, masked: str, m: re.Match, lo: int, hi: int, quoted: bool) -> Cue | None:
    word, before, after = m.group(), masked[lo : m.start()], masked[m.end() : hi]
    if m.group("acc") or m.group("rep"):
        if m.group("rep") and re.match(rf"\s+(?:{_STRONG}|{_WEAK})\b", after):
            return None  # "reportedly told": the verb carries the speaker
        return Cue(text[m.start() : m.end()], m.start(), m.end(), "according" if m.group("acc") else "reportedly")
    if word[0].isupper() or after.startswith("-") or _NEGATED.search(before):
        return None
    passive = _PASSIVE.search(before)
    if passive:
        if word.lower() in _PASSIVE_VERBS and re.match(r"\s+(?:to|that)\b", after):
            start = lo + passive.start()
            end = m.end() + re.match(r"\s+\w+", after).end()
            return Cue(text[start:end], start, end, "passive")
        return None
    if _NOUN_BEFORE.search(before) or re.search(r"\ball\s*$", before, re.I) and word == "told":
        return None
    if m.group("weak") and not (quoted or _WEAK_AFTER.match(after) or re.search(r'[,"]\s*$', before)):
        return None
    return Cue(word, m.start(), m.end(), "verb")


def speaker_for(text: str, masked: str, lo: int, hi: int, cue: Cue, known: set[str] | frozenset[str]) -> Speaker | None:
    """The speaker of ``cue`` within its sentence ``[lo, hi)``; a pronoun comes back as written, unresolved."""
    if cue.kind in ("reportedly", "passive"):
        return None
    if cue.kind == "verb" and _phrase_before(masked, lo, cue.start):
        return subject_before(text, masked, lo, cue.start, known)
    return subject_after(text, masked, cue.end, hi, known, lo, roles=WORD.search(text, lo, cue.start) is not None)


def _phrase_before(masked: str, lo: int, pos: int) -> bool:
    """Is there a subject between the last clause boundary and ``pos`` (else the form is inverted)?"""
    left = masked[lo:pos]
    trail = _TRAIL.search(left)
    left = left[: trail.start()] if trail else left
    if left.rstrip().endswith(","):
        return any(m.group() == "," for m in _BOUNDARY.finditer(left.rstrip()[:-1]))
    cuts = [m.end() for m in _BOUNDARY.finditer(left)]
    return WORD.search(left, cuts[-1] if cuts else 0) is not None


def subject_before(text: str, masked: str, lo: int, pos: int, known) -> Speaker | None:
    """The subject right before a verb: "A Kremlin spokesman on Monday said" -> "A Kremlin spokesman"."""
    left = masked[lo:pos]
    trail = _TRAIL.search(left)
    end = lo + (trail.start() if trail else len(left.rstrip()))
    if masked[lo:end].rstrip().endswith(","):
        return _appositive(text, masked, lo, lo + len(masked[lo:end].rstrip()) - 1, known)
    cuts = [m.end() for m in _BOUNDARY.finditer(masked, lo, end)]
    return shape(text, cuts[-1] if cuts else lo, end, known, lo)


def _appositive(text: str, masked: str, lo: int, comma: int, known) -> Speaker | None:
    """"<A>, <B>, said": the pure name of the two is the speaker, the other its role."""
    cuts = [m for m in _BOUNDARY.finditer(masked, lo, comma)]
    if not cuts or masked[cuts[-1].start()] != ",":
        return None
    first = cuts[-2].end() if len(cuts) > 1 else lo
    a = shape(text, first, cuts[-1].start(), known, lo)
    b = shape(text, cuts[-1].end(), comma, known, lo)
    if a is None or b is None:
        return a or b
    if b.named and b.role is None and len(WORD.findall(b.name)) == len(WORD.findall(text[cuts[-1].end() : comma])):
        return replace(b, role=text[a.start : a.end] if a.role is None else text[a.role_start : a.end],
                       role_start=a.role_start if a.role else a.start, role_end=a.end)
    return _with_role(a, text, cuts[-1].end(), comma)


def subject_after(text: str, masked: str, pos: int, hi: int, known, lo: int, roles: bool = True) -> Speaker | None:
    """The phrase after a verb or "according to": "said state-run news outlet KCNA Tuesday" -> "KCNA"."""
    stop = _CLAUSE_END.search(masked, pos, hi)
    end = stop.start() if stop else hi
    while (cut := _TAIL_CUT.search(text, pos, end)) is not None and cut.start() > pos:
        end = cut.start()
    found = shape(text, pos, end, known, lo)
    if not roles or found is None or found.role is not None or not stop or masked[stop.start()] != ",":
        return found
    more = _CLAUSE_END.search(masked, stop.end(), hi)
    return _with_role(found, text, stop.end(), more.start() if more else hi)


def _with_role(speaker: Speaker, text: str, lo: int, hi: int) -> Speaker:
    while (cut := _TAIL_CUT.search(text, lo, hi)) is not None and cut.start() > lo:
        hi = cut.start()
    words = WORD.findall(text, lo, hi)
    if not words or len(words) > 16 or words[0].lower() in _BAD_ROLE or words[0].endswith("ing"):
        return speaker
    start = lo + len(text[lo:hi]) - len(text[lo:hi].lstrip())
    return replace(speaker, role=text[start:hi].rstrip(), role_start=start, role_end=start + len(text[start:hi].rstrip()))


def shape(text: str, lo: int, hi: int, known, sent_lo: int) -> Speaker | None:
    """A speaker phrase: a trailing name run after a plain descriptor is the name, the descriptor its role."""
    toks = list(WORD.finditer(text, lo, hi))
    if not toks or len(toks) > 9 or (len(toks) > 1 and toks[0].group().lower() in PRONOUNS):
        return None
    k = len(toks)
    while k > 0 and (name_word(text, toks[k - 1], known, sent_lo) or (k < len(toks) and toks[k - 1].group() in _PARTICLES)):
        k -= 1
    head = toks[-1]
    named = head.group()[0].isupper() and head.group().lower() not in COMMON_HEADS | PRONOUNS and head.group() != "I"
    plain = toks[0].group().lower() not in DETERMINERS and not any(t.group().lower() in PREPS for t in toks[:k])
    if k == len(toks) or not plain:
        return Speaker(text[toks[0].start() : head.end()], toks[0].start(), head.end(), None, None, None, named)
    while k < len(toks) - 1 and toks[k].group().lower().rstrip(".") in _TITLES:
        k += 1
    start = toks[k].start()
    role = (toks[0].start(), toks[k - 1].end()) if k > 0 else (None, None)
    role_text = text[role[0] : role[1]] if k > 0 else None
    return Speaker(text[start : head.end()], start, head.end(), role_text, role[0], role[1], True)
