"""Corroboration and merging by meaning, within one story of a digest.

:func:`briefer.digest.cluster.story_facts` merges facts whose claims read
alike. Two things it cannot see, done here:

- **Repeats in other words.** Two reports give one figure in their own
  words ("around 18,000 vehicles cross the bridge" and "the bridge carries
  some 18,000 vehicles a day"): facts of different reports that count the
  same thing with the same number (a number that is not part of a date,
  with the word it counts) and share another content word are one fact.
- **Corroboration is checked.** A report corroborates a statement only when
  its own cited spans pass the checks for that statement (:func:`supports`).
  Sharing a story, or a claim that reads alike, is not enough: a span about a
  crack in a pier does not corroborate "the transport office said the bridge
  closed after a storm". A merged fact shows the statement that most of its
  reports' spans support.

:func:`supports` is the one place the statement checks are called from
the digest: the word checks of :func:`briefer.brief.support.unsupported_terms`, then the
structural checks of meaning that the pipeline and ``briefer verify`` run
(:func:`briefer.brief.judge.structural_verdict`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..brief.judge import Evidence, structural_verdict
from ..brief.sourcetext import article_names
from ..brief.support import unsupported_terms
from ..groups import connected_groups
from ..language import language as language_of
from ..models import Brief
from ..output.sections import is_view, without_dates
from ..text import NUMBER_WORD_VALUES, STOP_WORDS, content_words, fold_digits, stem
from .storyfacts import StoryFact

_MAGNITUDE = frozenset("hundred thousand million billion trillion dozen per cent percent".split())
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


@lru_cache(maxsize=64)
def _names(text: str, code: str) -> frozenset[str] | None:
    return frozenset(article_names(text)) if language_of(code).cased else None


def supports(statement: str, text: str, spans: Sequence[tuple[int, int]], language: str = "en") -> bool:
    """Do the ``spans`` (``[start, end)`` of ``text``, an article in ``language``) carry ``statement``?"""
    if not spans:
        return False
    evidence = " ".join(text[s:e] for s, e in spans)
    if unsupported_terms(statement, evidence, _names(text, language), language_of(language)):
        return False
    return structural_verdict(statement, Evidence(text, tuple(spans), language)).ok


def figures(statement: str) -> set[tuple[str, str]]:
    """The quantities a statement gives, as (number, what it counts): ``("18000", "vehicl")``.

    Dates and times are left out ("in July 2000" counts nothing); "six" is 6;
    a magnitude stays with its number ("420 million euros": ``("420 million", "euro")``).
    """
    tokens = [t.casefold() for t in _TOKEN.findall(fold_digits(without_dates(statement)))]
    found = set()
    for n, token in enumerate(tokens):
        value = token.replace(",", "") if token[0].isdigit() else NUMBER_WORD_VALUES.get(token)
        if value is None or (n and tokens[n - 1] in _MAGNITUDE):
            continue
        rest = tokens[n + 1 :]
        while rest and rest[0] in _MAGNITUDE:
            value, rest = f"{value} {rest[0]}", rest[1:]
        counted = next((w for w in rest[:3] if w not in STOP_WORDS and not w[0].isdigit()), None)
        if counted:
            found.add((value, stem(counted)))
    return found


def _words(statement: str, figure_words: set[str]) -> set[str]:
    return {stem(w) for w in content_words(statement)} - figure_words


def same_figure(a: str, b: str) -> bool:
    """Two statements give one figure of one thing, and say something else alike (a content word)."""
    shared = figures(a) & figures(b)
    if not shared:
        return False
    counted = {w for _, w in shared}
    return bool(_words(a, counted) & _words(b, counted))


@dataclass
class CheckedFact:
    """A story's fact after merging by meaning, and the reports (indices) whose spans support its statement."""

    fact: StoryFact
    supporters: list[int]


def checked_facts(facts: list[StoryFact], briefs: Sequence[Brief]) -> list[CheckedFact]:
    """``facts`` (from :func:`story_facts`) with repeated figures merged and corroboration checked.

    Facts stated by more reports come first, ties in the order of ``facts``;
    but a story's first fact (its line in the overview) is not a view when
    another fact of as many reports is not.
    """
    groups = _same_figures(facts) if len(briefs) > 1 else [[i] for i in range(len(facts))]
    merged = [_checked([facts[k] for k in g], briefs) for g in groups]
    order = {id(c): min(g) for c, g in zip(merged, groups, strict=True)}
    ranked = sorted(merged, key=lambda c: (-len(c.fact.articles), order[id(c)]))
    top = [c for c in ranked if len(c.fact.articles) == len(ranked[0].fact.articles)] if ranked else []
    first = next((c for c in top if not _is_view(c.fact, briefs)), None)
    return [first, *(c for c in ranked if c is not first)] if first else ranked


def _same_figures(facts: list[StoryFact]) -> list[list[int]]:
    """Facts of different reports that give one figure of one thing (:func:`same_figure`), grouped."""
    index: dict[tuple[str, str], list[int]] = {}
    for i, sf in enumerate(facts):
        for figure in figures(sf.statement):
            index.setdefault(figure, []).append(i)
    pairs = sorted({(i, j) for ids in index.values() for i in ids for j in ids if i < j})
    return connected_groups(
        len(facts),
        pairs,
        lambda i, j: same_figure(facts[i].statement, facts[j].statement),
        can_join=lambda a, b: (
            not {n for k in a for n in facts[k].articles} & {n for k in b for n in facts[k].articles}
        ),
    )


def _checked(members: list[StoryFact], briefs: Sequence[Brief]) -> CheckedFact:
    """One fact of several: the statement that most of their reports' spans support, first on a tie.

    Only facts citing several reports are checked (the cost of a re-run stays flat).
    """
    refs = [r for m in members for r in m.refs]
    reports = sorted({n for n, _ in refs})
    if len(reports) == 1:  # its own report's spans were checked when it was briefed
        return CheckedFact(members[0], reports)
    best = None
    for m in members:
        backers = supporters(m.statement, refs, briefs)
        if best is None or len(backers) > len(best[1]):
            best = (m, backers)
        if len(backers) == len(reports):
            break
    assert best is not None
    lead, backers = best
    fact = StoryFact(claim=lead.claim, statement=lead.statement, kind=lead.kind, refs=refs)
    return CheckedFact(fact, backers)


def _is_view(fact: StoryFact, briefs: Sequence[Brief]) -> bool:
    """Whether the report fact behind a story fact (its first citation's, same statement) is a view."""
    n, cid = fact.refs[0]
    same = (f for f in briefs[n].facts if cid in f.citations and (f.statement or f.claim) == fact.statement)
    found = next(same, None)
    return found is not None and is_view(found)


def supporters(statement: str, refs: list[tuple[int, int]], briefs: Sequence[Brief]) -> list[int]:
    """The reports among ``refs`` (report index, citation id) whose cited spans support ``statement``."""
    found = []
    for n in sorted({a for a, _ in refs}):
        brief = briefs[n]
        spans = [(brief.citation(cid).span.start, brief.citation(cid).span.end) for a, cid in refs if a == n]
        if supports(statement, brief.article.text, spans, brief.meta.language):
            found.append(n)
    return found
