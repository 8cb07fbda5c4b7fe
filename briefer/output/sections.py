"""Which heading a fact sits under, and which facts make the bottom line: decided from verified fields.

The model's ``kind`` label is a guess of a small model; the attribution is
read from the source. So a heading never promises what its facts are not:

- "What was said" holds reported speech only (``attribution.reported``); a
  sentence the article states in its own voice never sits there, whatever
  its label.
- "Numbers" holds a statement with a number other than a date: "in the
  second half of April" or "in July 2000" is no figure.
- A view is opinion or analysis: the speaker is an analyst, expert or the
  like, the cue or the statement is a verb of view ("believe", "argue"), or
  the article hedges its own sentence ("could", "is expected to"). A view
  sits under "Context and analysis", never under "What happened", and never
  makes the bottom line.

The bottom line starts from the lead. News reports put their main fact
first (the Lead-3 baseline is hard to beat), so the bottom line starts from
the fact that cites the article's first body sentence, else one citing the
headline (which restates it), else the next body sentences. When no fact
stated as fact cites the first sentence, the template says so rather than
passing another fact off as the main one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..brief.context import ArticleContext
from ..brief.extract import checked_kind
from ..language import language
from ..models import Brief, Fact, FactKind, Span

HAPPENED, WHO, WHEN, SAID, NUMBERS, ANALYSIS = (
    "What happened",
    "Who is involved",
    "When and where",
    "What was said",
    "Numbers",
    "Context and analysis",
)
HEADINGS = (HAPPENED, WHO, WHEN, SAID, NUMBERS, ANALYSIS)
# Where a statement in the article's own voice goes, by the model's label (once checked_kind allows it).
_OWN_VOICE = {
    FactKind.event: HAPPENED,
    FactKind.actor: WHO,
    FactKind.date: WHEN,
    FactKind.place: WHEN,
    FactKind.statement: ANALYSIS,  # a sentence nobody says: background
    FactKind.number: ANALYSIS,
    FactKind.context: ANALYSIS,
}
LEAD_SENTENCES = 3  # the lead: the first body sentences (Lead-3)
LEAD_WORDS = 5  # a shorter line (a byline, a dateline) is not a lead sentence

_ANALYSTS = re.compile(
    r"\b(?:analysts?|experts?|economists?|observers?|commentators?|critics?|scholars?|academics?|professors?"
    r"|researchers?|fellows?|strategists?|pundits?|specialists?|columnists?|historians?|think[- ]tanks?"
    r"|political scientists?)\b",
    re.I,
)
_VIEW = re.compile(
    r"\b(?:believes?|believed|thinks?|argues?|argued|feels?|predicts?|predicted|forecasts?|speculates?"
    r"|speculated|suspects?|doubts?|doubted|fears?|feared|reckons?|reckoned|contends?|contended"
    r"|estimated|in (?:his|her|their|its|our|my) (?:view|opinion))\b",
    re.I,
)
_REPORTING = (
    r"(?:\s+\w+){0,3}?\s+(?:say|says|said|believe|believes|think|thinks|argue|argued|warn|warned|expect)\b"
)
_ANALYSTS_SAY = re.compile(_ANALYSTS.pattern + _REPORTING, re.I)
_INTENT = re.compile(r"^(?:plan|aim|intend|hop)")  # "plans to" is an intention, not a view
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?:1[6-9]|20)\d\d"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_PERIOD = r"(?:half|quarter|week|weekend|end|start|beginning|middle|part|month|day)s?"
_DATE = re.compile(
    "|".join(
        [
            rf"\b(?:(?:first|second|third|fourth|last|final|early|late|mid)[- ])?{_PERIOD}\s+of\s+(?:the\s+)?"
            rf"(?:{_MONTH}|{_YEAR}s?|(?:this|next|last|the)\s+(?:year|month|decade|century)|year|month)\b",
            rf"\b(?:{_DAY}\s+(?:of\s+)?)?{_MONTH}(?:\s+{_DAY}\b)?(?:,?\s+{_YEAR}\b)?(?![\w])",
            rf"\b{_YEAR}s\b|\b{_YEAR}-\d\d(?:-\d\d)?\b|\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}\b",
            r"\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\b\d{1,2}:\d\d\b",
            rf"\b{_YEAR}\b(?!\s+[a-z]+s\b)(?![.,]\d)",  # a year, not "2000 vehicles"
            r"\b(?:on\s+)?the\s+\d{1,2}(?:st|nd|rd|th)\b",
        ]
    ),
    re.I,
)


def without_dates(text: str) -> str:
    """``text`` with its dates and times blanked out: "in July 2000" and "the second half of April" go."""
    return _DATE.sub(" ", text)


def holds_number(text: str) -> bool:
    """Does ``text`` hold a number that is not part of a date (digits, "per cent", "six", "half")?"""
    return checked_kind(FactKind.number, without_dates(text)) == FactKind.number


def is_view(fact: Fact) -> bool:
    """Opinion or analysis: an analyst's or expert's words, a verb of view, or the article's own hedge."""
    said = fact.attribution
    who = " ".join(filter(None, (said.speaker, said.role)))
    if said.reported and _ANALYSTS.search(who):
        return True
    if _VIEW.search(said.cue or "") or _VIEW.search(fact.statement or fact.claim):
        return True
    if _ANALYSTS_SAY.search(fact.statement or fact.claim):
        return True
    return not said.reported and any(not _INTENT.match(h) for h in said.hedges)


def heading_of(fact: Fact) -> str:
    """The one heading ``fact`` sits under (see the module's docstring)."""
    statement = fact.statement or fact.claim
    if is_view(fact):
        return ANALYSIS
    kind = checked_kind(fact.kind, statement)
    if kind == FactKind.number and holds_number(statement):
        return NUMBERS
    if fact.attribution.reported:
        return SAID
    if kind == FactKind.number:
        kind = checked_kind(FactKind.date, statement)
    return _OWN_VOICE.get(kind, ANALYSIS)


def sectioned(facts: list[Fact], item: Callable[[Fact], object] = lambda f: f) -> list[dict[str, object]]:
    """The facts under their headings, in heading order, each heading with at least one fact."""
    by_heading: dict[str, list[object]] = {h: [] for h in HEADINGS}
    for f in facts:
        by_heading[heading_of(f)].append(item(f))
    return [{"heading": h, "facts": items} for h, items in by_heading.items() if items]


def lead_sentences(brief: Brief) -> tuple[list[tuple[int, int]], int]:
    """The article's first :data:`LEAD_SENTENCES` body sentences, and where its headline ends.

    A line of fewer than :data:`LEAD_WORDS` words (a byline, a dateline) is not a lead sentence.
    """
    ctx = ArticleContext.of(brief.article, language(brief.meta.language))
    text = brief.article.text
    body = [(s, e) for s, e in ctx.body_sentences() if len(text[s:e].split()) >= LEAD_WORDS]
    return body[:LEAD_SENTENCES], ctx.headline_end


def lead_rank(
    fact: Fact, spans: dict[int, Span], lead: list[tuple[int, int]], headline_end: int
) -> float | None:
    """How early in the article a fact's citations start: the first lead sentence 0, the headline
    0.5 (it states the main fact in other words), the next lead sentences 1, 2; None: none of these."""
    found = [
        n
        for cid in fact.citations
        for n, (s, e) in [(0.5, (0, headline_end)), *enumerate(lead)]
        if spans[cid].start < e and s < spans[cid].end
    ]
    return min(found, default=None)


def bottom_line(brief: Brief, size: int = 2) -> tuple[list[Fact], bool]:
    """Up to ``size`` facts stated as fact, the lead first; and whether one of them states the lead.

    Facts are taken by :func:`lead_rank` (ties: brief order), then events,
    then any other fact; views never. The lead is stated when a fact cites
    the first lead sentence.
    """
    facts = [f for f in brief.facts if not is_view(f)]
    spans = {c.id: c.span for c in brief.citations}
    lead, headline_end = lead_sentences(brief)
    ranks = {id(f): lead_rank(f, spans, lead, headline_end) for f in facts}
    leading = sorted((f for f in facts if ranks[id(f)] is not None), key=lambda f: ranks[id(f)])
    events = [f for f in facts if f.kind == FactKind.event and heading_of(f) == HAPPENED]
    ordered = list({id(f): f for f in [*leading, *events, *facts]}.values())
    return ordered[:size], any(ranks[id(f)] == 0 for f in facts)
