"""Who is speaking: the speaker phrase of a reporting cue, read from the source text alone.

Works on the article ``text`` and its ``masked`` copy (``sourcetext.masked_text``), two
strings of equal length, so quoted words are never taken for the article's own.

- Subject before the verb, time words and auxiliaries stripped ("A Kremlin spokesman on
  Monday said"); an appositive gives the role ("The operator, Nordlink, said"); a plain
  descriptor before a name is its role ("union secretary Pia Lund", "Mayor Ruth Ambrose");
  "X did this and said" takes the subject of the first verb.
- Inverted form ("...," said Shin Beom-chul, senior fellow at ... to ABC) and "according to
  X": the phrase after the cue, its role after a comma (an age is skipped; " to <Outlet>"
  and time words are cut).
- "quoted X as saying": X. Pronouns come back as written; ``attribution`` resolves them.
- ``named`` is False for group and anonymous voices: the head noun is lower case, a group
  word ("Analysts", "Officials"), or a capitalised plural the article uses only at sentence
  starts ("Opponents").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .cues import DAYS, QUOTED_AS, WHEN, Cue, find_cues
from .sourcetext import ABBREV, PARTICLES, WORD, name_word

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
TITLES = frozenset(
    "mr mrs ms dr prof professor president minister secretary senator governor mayor chancellor judge "
    "commissioner king queen prince princess sheikh pope sir lord lady ambassador councillor premier".split()
)
_NOT_FIRST_NAMES = frozenset(  # capitalised sentence starts that are not the first word of a name
    "however meanwhile separately despite still also later earlier instead yesterday today but and so then now "
    "finally indeed moreover nonetheless nevertheless since after before when while as if though although because "
    "once incumbent opposition former veteran local chief senior deputy acting lawyer author historian researcher "
    "director manager executive chairman chairwoman candidate challenger rival lawmaker legislator official "
    "officer resident farmer envoy general colonel captain commander coach museum police union company".split()
)
_TRAIL = re.compile(
    rf"(?:\s+(?:{WHEN}|in\s+an?\s+(?:statement|interview|email|post|briefing|speech)|{DAYS}|today|yesterday"
    r"|also|later|earlier|previously|again|then|now|recently|separately|further|once|long|repeatedly|publicly"
    r"|privately|reportedly|allegedly|has|have|had|will|would|could|may|might|did|does|do|is|was|were|are"
    r"|still|since|already|initially|first|finally|only|just|even|openly|flatly|firmly|strongly))+\s*$"
)
_TAIL_CUT = re.compile(
    rf"\s+(?:to\s+(?:the\s+)?[A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*)*|{WHEN}|{DAYS}|today|yesterday"
    r"|in\s+an?\s+(?:statement|interview|email|post|briefing|speech))\s*$"
)
_BOUNDARY = re.compile(r'[,;:()"\u2591\u2014\u2013]|\s-\s|\b(?:that|while|but|whereas|because|although)\b')
_SUBORDINATE = re.compile(r"\s*(?:As|If|When|While|Because|Although|Though|Since|Unless|Once)\s+")
_CLAUSE_END = re.compile(r'[,.;:!?()"\u2591\u2014\u2013]')
_BAD_ROLE = frozenset(
    "who whose which that and but as while when after before because although adding saying".split()
)


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


def speaker_for(
    text: str, masked: str, lo: int, hi: int, cue: Cue, known: set[str] | frozenset[str]
) -> Speaker | None:
    """The speaker of ``cue`` within its sentence ``[lo, hi)``; a pronoun comes back as written, unresolved."""
    if cue.kind in ("reportedly", "passive"):
        return None
    if cue.kind == "quoted":
        who = QUOTED_AS.match(masked, cue.end, hi)
        return shape(text, who.start(1), who.end(1), known, lo)
    subject = _subject_span(masked, lo, cue.start) if cue.kind == "verb" else None
    if subject and re.fullmatch(r"\W*(?:and|or|but)", masked[subject[0] : subject[1]]):
        # "called it ... and asked": the speaker of the first verb
        earlier = [c for c in find_cues(text, masked, lo, subject[0]) if c.kind == "verb"]
        return speaker_for(text, masked, lo, hi, earlier[-1], known) if earlier else None
    if subject is None:  # inverted ("said X") or "according to X"
        return subject_after(
            text, masked, cue.end, hi, known, lo, roles=WORD.search(text, lo, cue.start) is not None
        )
    return _subject(text, masked, lo, subject, known)


def _subject(
    text: str, masked: str, lo: int, span: tuple[int, int, bool], known, depth: int = 0
) -> Speaker | None:
    """The speaker in a subject span; "X did this and said" takes the subject of the first verb."""
    start, end, appositive = span
    if appositive:
        return _appositive(text, masked, start, end, known)
    if not re.search(r"\b(?:and|or|but)$", masked[start:end]):
        return shape(text, start, end, known, lo)
    toks = list(WORD.finditer(text, start, end))
    lead = next((i for i, t in enumerate(toks) if t.group()[0].islower() and t.group() not in DETERMINERS), 0)
    if any(t.group().lower() not in DETERMINERS for t in toks[:lead]):
        # "Mayor Piet Varga estimated ... and promised": the leading capitalised words
        return shape(text, toks[0].start(), toks[lead - 1].end(), known, lo)
    inner = _subject_span(masked, lo, start) if lead == 0 and depth < 2 else None
    return _subject(text, masked, lo, inner, known, depth + 1) if inner else None


def _subject_span(masked: str, lo: int, pos: int) -> tuple[int, int, bool] | None:
    """Where the subject before a verb at ``pos`` lies, and whether it ends in an appositive; None if inverted."""
    left = masked[lo:pos]
    trail = _TRAIL.search(left)
    end = lo + len(left[: trail.start()] if trail else left.rstrip())
    when = re.match(rf"\s+{WHEN}", left[trail.start() :]) if trail else None
    if when and re.search(r"\w+ed$", masked[lo:end]):
        # "a study published on Tuesday found": the time belongs to the participle
        end += when.end()
    if masked[lo:end].endswith(","):
        comma = end - 1
        two = any(m.group() == "," for m in _BOUNDARY.finditer(masked, lo, comma))
        return (lo, comma, True) if two else None
    cuts = [m.end() for m in _BOUNDARY.finditer(masked, lo, end)]
    start = cuts[-1] if cuts else lo
    if lead := _SUBORDINATE.match(masked, start, end):  # "As the elections showed, …": not "As the …"
        start = lead.end()
    return (start, end, False) if WORD.search(masked, start, end) else None


def _appositive(text: str, masked: str, lo: int, comma: int, known) -> Speaker | None:
    """ "<A>, <B>, said": the pure name of the two is the speaker, the other its role."""
    cuts = [m for m in _BOUNDARY.finditer(masked, lo, comma)]
    if not cuts or masked[cuts[-1].start()] != ",":
        return None
    first = cuts[-2].end() if len(cuts) > 1 else lo
    a = shape(text, first, cuts[-1].start(), known, lo)
    b = shape(text, cuts[-1].end(), comma, known, lo)
    if a is None or b is None:
        return a or b
    if (
        b.named
        and b.role is None
        and len(WORD.findall(b.name)) == len(WORD.findall(text[cuts[-1].end() : comma]))
    ):
        return replace(
            b,
            role=text[a.start : a.end] if a.role is None else text[a.role_start : a.end],
            role_start=a.role_start if a.role else a.start,
            role_end=a.end,
        )
    return _with_role(a, text, cuts[-1].end(), comma)


def subject_after(
    text: str, masked: str, pos: int, hi: int, known, lo: int, roles: bool = True
) -> Speaker | None:
    """The phrase after a verb or "according to": "said state-run news outlet KCNA Tuesday" -> "KCNA"."""
    stop = _clause_end(masked, pos, hi)
    end = stop.start() if stop else hi
    while (cut := _TAIL_CUT.search(text, pos, end)) is not None and cut.start() > pos:
        end = cut.start()
    found = shape(text, pos, end, known, lo)
    if not roles or found is None or found.role is not None or not stop or masked[stop.start()] != ",":
        return found
    start, more = stop.end(), _clause_end(masked, stop.end(), hi)
    if more and masked[more.start()] == "," and re.fullmatch(r"\s*\d+\s*", masked[start : more.start()]):
        # an age: "Ines Varela, 52, a councillor"
        start, more = more.end(), _clause_end(masked, more.end(), hi)
    name = shape(text, start, more.start() if more else hi, known, lo)
    if not found.named and name and name.named and len(WORD.findall(name.name)) >= 2:
        # "said the study's lead author, Dr. Helen Marsh": the name, the descriptor its role
        return replace(name, role=found.name, role_start=found.start, role_end=found.end)
    return _with_role(found, text, start, more.start() if more else hi)


def _clause_end(masked: str, pos: int, hi: int) -> re.Match | None:
    """The next clause boundary; the full stop of "Dr." or of an initial ("John F. Kennedy") is none."""
    for m in _CLAUSE_END.finditer(masked, pos, hi):
        word = re.search(r"(\w+)$", masked[pos : m.start()])
        if (
            m.group() != "."
            or not word
            or not (word.group(1).lower() in ABBREV or re.fullmatch(r"[A-Z]", word.group(1)))
        ):
            return m
    return None


def _with_role(speaker: Speaker, text: str, lo: int, hi: int) -> Speaker:
    while (cut := _TAIL_CUT.search(text, lo, hi)) is not None and cut.start() > lo:
        hi = cut.start()
    words = WORD.findall(text, lo, hi)
    if not words or len(words) > 16 or words[0].lower() in _BAD_ROLE or words[0].endswith("ing"):
        return speaker
    start = lo + len(text[lo:hi]) - len(text[lo:hi].lstrip())
    return replace(
        speaker, role=text[start:hi].rstrip(), role_start=start, role_end=start + len(text[start:hi].rstrip())
    )


def _first_name(text: str, word: re.Match, nxt: re.Match) -> bool:
    """A capitalised sentence-initial word before a one-word name is its first name ("Tom Berg said").

    Before a longer name it is taken for a descriptor ("Harbourmaster Gwen Ashby", "Economist Lars Lind").
    """
    w = word.group()
    lower = w.lower()
    if (
        not w[0].isupper()
        or text[word.end() : nxt.start()] != " "
        or lower in _NOT_FIRST_NAMES | TITLES | DETERMINERS
    ):
        return False
    return not lower.endswith(("ly", "ist")) and lower not in COMMON_HEADS | PRONOUNS


def shape(text: str, lo: int, hi: int, known, sent_lo: int) -> Speaker | None:
    """A speaker phrase: a trailing name run after a plain descriptor is the name, the descriptor its role."""
    toks = list(WORD.finditer(text, lo, hi))
    if not toks or len(toks) > 9 or (len(toks) > 1 and toks[0].group().lower() in PRONOUNS):
        return None
    is_name = [name_word(text, t, known, sent_lo) for t in toks]
    k = _name_run_start(text, toks, is_name)
    plain = toks[0].group().lower() not in DETERMINERS
    plain = plain and not any(t.group().lower() in PREPS for t in toks[:k])
    lead = next((i for i, n in enumerate(is_name) if not n), len(toks))
    if 0 < lead < k and not plain and toks[lead].group() in PREPS:
        # "Colin Reeve of the Fenmoor Farmers' Union": the leading name, the rest its role
        return _speaker(text, toks[0], toks[lead - 1], toks[lead], toks[-1])
    if k == len(toks) or not plain:
        return _speaker(text, toks[0], toks[-1], named=_named(text, toks, known, sent_lo))
    while k < len(toks) - 1 and toks[k].group().lower().rstrip(".") in TITLES:
        k += 1
    return _speaker(text, toks[k], toks[-1], *((toks[0], toks[k - 1]) if k else ()))


def _name_run_start(text: str, toks: list[re.Match], is_name: list[bool]) -> int:
    """Index of the first token of the trailing name run (particles inside it allowed)."""
    k = len(toks)
    while k > 0 and (is_name[k - 1] or (k < len(toks) and toks[k - 1].group() in PARTICLES)):
        k -= 1
    if k == 1 and len(toks) == 2 and _first_name(text, toks[0], toks[1]):
        k = 0
    return k


def _named(text: str, toks: list[re.Match], known, sent_lo: int) -> bool:
    """Is the head noun (the last word before a preposition) a name rather than a group or a role?

    A capitalised plural the article uses only at sentence starts is a group ("Opponents").
    """
    noun = next((toks[i - 1] for i in range(1, len(toks)) if toks[i].group().lower() in PREPS), toks[-1])
    word, lower = noun.group(), noun.group().lower()
    plural = lower.endswith("s") and not lower.endswith("ss") and not name_word(text, noun, known, sent_lo)
    return word[0].isupper() and word != "I" and lower not in COMMON_HEADS | PRONOUNS and not plural


def _speaker(
    text: str, first: re.Match, last: re.Match, role_first=None, role_last=None, named=True
) -> Speaker:
    start, end = first.start(), last.end()
    if role_first is None:
        return Speaker(text[start:end], start, end, None, None, None, named)
    r0, r1 = role_first.start(), role_last.end()
    return Speaker(text[start:end], start, end, text[r0:r1], r0, r1, named)
