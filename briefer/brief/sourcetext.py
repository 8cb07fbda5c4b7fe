"""Where a source text's sentences, quotations and names are: the ground ``speakers`` and
``attribution`` stand on. Pure text rules, offsets always into the original text.

- Sentences: the caller's offsets, else the pipeline's splitter (sentencex, per line).
- Quotations: tracked per paragraph (one line): curly and straight double quotes open and
  close; single quotes only at word boundaries, so the ’ in "Russia’s" is an apostrophe. A
  double quote left open ends with its paragraph; ``attribution`` links it to the next
  paragraph when that opens with a quote mark (the English convention for multi-paragraph
  quotations).
- Masking: a copy of the text, same length, where quotation marks are ``"`` and quoted
  characters ``FILL``, so the article's own words can be searched without the quoted ones.
- Names: a capitalised word is a name when the article also writes it capitalised
  mid-sentence, or it is an acronym; a word capitalised only at sentence starts
  ("Definitely", "However", "Reportedly") is not. Title-case headlines are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chunking import sentence_spans

FILL = "\u2591"  # a quoted character in a masked text
PARTICLES = frozenset("bin ibn al el de del della der den di da du van von la le y dos das".split())
ABBREV = frozenset("mr mrs ms dr st prof gen sen rep gov lt col sgt jr sr no vs mt ft".split())
WORD = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_JOIN = re.compile(r" +(?:(?:" + "|".join(sorted(PARTICLES)) + r") +)*")


@dataclass(frozen=True)
class Region:
    """A top-level quotation: ``start`` at its opening mark."""

    start: int  # the opening mark
    end: int  # just past the closing mark, or the paragraph end when left open
    closed: bool

    @property
    def inner(self) -> tuple[int, int]:
        return self.start + 1, self.end - 1 if self.closed else self.end


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence offsets without surrounding whitespace, from the pipeline's own splitter
    (:func:`briefer.brief.chunking.sentence_spans`: sentencex, cached per text)."""
    spans = []
    for start, end in sentence_spans(text):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


MAX_SENTENCE = 2000  # characters: a longer "sentence" (a line the splitter found no end in) is read in pieces


def bounded(text: str, spans, limit: int = MAX_SENTENCE) -> list[tuple[int, int]]:
    """``spans`` with every one longer than ``limit`` cut into pieces after a space (else at ``limit``).

    Every per-sentence rule (cues, speakers, names) looks at a whole sentence for each word or cue in
    it: on a 2M-character line without a full stop that was quadratic. Real sentences are far shorter.
    """
    out = []
    for a, b in spans:
        while b - a > limit:
            cut = text.rfind(" ", a + limit // 2, a + limit)
            cut = cut + 1 if cut > a else a + limit
            out.append((a, cut))
            a = cut
        out.append((a, b))
    return out


def bare(word: str) -> str:
    """A word without its possessive ending: "Kim’s" -> "Kim"."""
    return re.sub(r"['’]s$", "", word)


def initial(text: str, lo: int, pos: int) -> bool:
    """Is the word at ``pos`` the first of a sentence (from ``lo``) or of a quotation?

    Reads the 64 characters before ``pos`` (all of them back to ``lo`` only when those are blank).
    """
    start = max(lo, pos - 64)
    before = text[start:pos].rstrip(" \t([{\u2014\u2013-")
    if start > lo and not before.strip():
        before = text[lo:pos].rstrip(" \t([{\u2014\u2013-")
    if not before.strip() or before[-1] in "\r\n":
        return True
    if pos > lo and text[pos - 1] in "“‘\"'" and (pos - 1 == lo or not text[pos - 2].isalnum()):
        return True  # right after an opening quotation mark
    core = before.rstrip("”’\"')]")
    if not core or core[-1] not in ".!?:":
        return False
    last = re.search(r"(\S+)\.$", core)
    if last and (last.group(1).lower() in ABBREV or re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", last.group(1))):
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


def headline(sentence: str) -> bool:
    """Is ``sentence`` a title-case headline (no final stop, most long words capitalised)?"""
    return _headline(sentence)


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


def _opens(text: str, i: int, lo: int) -> bool:
    prev = text[i - 1] if i > lo else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return (prev.isspace() or prev in "([{\u2014\u2013-/:;“‘\"'") and not nxt.isspace()


def _closes(text: str, i: int, hi: int) -> bool:
    nxt = text[i + 1] if i + 1 < hi else " "
    return not text[i - 1].isspace() and not nxt.isalnum()


def _scan_line(text: str, lo: int, hi: int) -> list[Region]:
    regions: list[Region] = []
    family, at = None, -1
    for i in range(lo, hi):
        c = text[i]
        if family is None and (c == "“" or c == '"' and _opens(text, i, lo)):
            family, at = "d", i
        elif family is None and c in "‘'" and _opens(text, i, lo):
            family, at = "s", i
        elif family == "d" and c in '”"' or family == "s" and c in "’'" and _closes(text, i, hi):
            regions.append(Region(at, i + 1, True))
            family = None
    if family == "d":
        regions.append(Region(at, lo + len(text[lo:hi].rstrip()), False))
    return regions


def quote_regions(text: str) -> tuple[Region, ...]:
    """Top-level quotations, paragraph by paragraph; one left open ends with its paragraph."""
    regions: list[Region] = []
    for line in re.finditer(r"[^\r\n]*\S[^\r\n]*", text):
        regions.extend(_scan_line(text, line.start(), line.end()))
    return tuple(regions)


def masked_text(text: str, regions: tuple[Region, ...]) -> str:
    """``text`` with quotation marks as ``"`` and quoted characters as ``FILL``; same length."""
    chars = list(text)
    for r in regions:
        lo, hi = r.inner
        chars[lo:hi] = [c if c in "\r\n" else FILL for c in chars[lo:hi]]
        chars[r.start] = '"'
        if r.closed:
            chars[r.end - 1] = '"'
    return "".join(chars)
