"""``verify`` for a digest: each article's brief, then the digest's own articles, stories, citations and facts.

A digest is read by attribute (:class:`briefer.digest.model.Digest`; the digest
layer sits above this one). Its structure is checked before its rendering: a
story naming an article the digest does not hold would otherwise fail inside
the template, not as a check.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..brief.context import ArticleContext
from ..brief.support import unsupported_terms
from ..output.check import uncited_statements
from . import (
    _duplicates,
    _markers,
    brief_context,
    carries,
    citation_problem,
    meaning_problems,
    span_problem,
    verify_brief,
)


def verify_digest(digest: Any, markdown: str | None = None) -> list[str]:
    """Every problem of a digest, one line each (empty: all checks hold); ``markdown`` is its rendering."""
    problems = [f"{a.label}: {p}" for a in digest.articles for p in verify_brief(a.brief)]
    problems += structure_problems(digest)
    articles = {a.label: a.brief for a in digest.articles}
    cited = {label: {(c.span.start, c.span.end) for c in b.citations} for label, b in articles.items()}
    broken: set[int] = set()
    for c in digest.citations:
        if found := _digest_citation(c, articles, cited):
            problems.append(found)
            broken.add(c.id)
    problems += _duplicates(digest.citations)
    cites = {c.id: c for c in digest.citations if c.id not in broken}
    contexts = {label: brief_context(b) for label, b in articles.items()}
    facts = [f for story in digest.stories for f in story.facts]
    for n, fact in enumerate(facts, 1):
        problems += [f"digest fact {n}: {p}" for p in _digest_fact(fact, cites, broken, contexts)]
    if markdown is not None:
        ids = {c.id for c in digest.citations}
        problems += [
            f"markdown: no resolving marker on: {line.strip()}" for line in uncited_statements(markdown, ids)
        ]
    return problems


def structure_problems(digest: Any) -> list[str]:
    """Articles listed once each; stories and facts naming only articles the digest holds."""
    labels = Counter(a.label for a in digest.articles)
    problems = [f"articles: {label} listed {n} times" for label, n in sorted(labels.items()) if n > 1]
    n = 0
    for s, story in enumerate(digest.stories, 1):
        problems += [f"story {s}: {p}" for p in _names(story.articles, labels)]
        for fact in story.facts:
            n += 1
            problems += [f"digest fact {n}: {p}" for p in _names(fact.articles, labels)]
    return problems


def _names(named: list[str], labels: Counter) -> list[str]:
    missing = [label for label in dict.fromkeys(named) if label not in labels]
    return [f"names article {label}, which the digest does not hold" for label in missing]


def _digest_citation(c: Any, articles: dict[str, Any], cited: dict[str, set[tuple[int, int]]]) -> str | None:
    brief = articles.get(c.article)
    if brief is None:
        return f"[{c.id}]: cites article {c.article}, which the digest does not hold"
    if problem := span_problem(f"[{c.id}] ({c.article})", c.span, brief.article.text):
        return problem
    if (c.span.start, c.span.end) not in cited[c.article]:
        return f"[{c.id}]: {c.article}'s brief cites no span at characters {c.span.start}–{c.span.end}"
    return None


def _digest_fact(
    fact: Any, cites: dict[int, Any], broken: set[int], contexts: dict[str, ArticleContext]
) -> list[str]:
    if problem := citation_problem(fact.citations, cites, broken, "digest"):
        return [problem]
    used = [cites[i] for i in fact.citations if cites[i].article in contexts]
    evidence = " ".join(contexts[c.article].text[c.span.start : c.span.end] for c in used)
    names = frozenset().union(*(contexts[c.article].names for c in used))
    lead = contexts[used[0].article] if used else None
    problems = []
    if missing := unsupported_terms(
        fact.claim,
        evidence,
        names,
        lead.language if lead else None,
        translated=bool(lead and lead.translated),
    ):
        problems.append(f"its spans {_markers(fact.citations)} do not say {', '.join(missing)}")
    if not carries(fact.statement or fact.claim, fact.claim):
        problems.append("the statement does not say what the claim says")
    return problems + _backing(fact, used, contexts)


def _backing(fact: Any, used: list[Any], contexts: dict[str, ArticleContext]) -> list[str]:
    """The statement passes the structural checks on the spans of the report it came from, and on
    those of every report said to corroborate it, words included: the claim's word check reads all
    cited spans together, so it cannot tell that one backer's spans say none of it."""
    by_article: dict[str, list[Any]] = {}
    for c in used:
        by_article.setdefault(c.article, []).append(c)
    if not by_article:
        return []
    statement, first = fact.statement or fact.claim, next(iter(by_article))
    problems = []
    for label in dict.fromkeys([first, *(a for a in fact.backers if a in by_article)]):
        ctx = contexts[label]
        skip = ("attribution", "words") if label == first else ("attribution",)
        for p in meaning_problems(statement, ctx.text, by_article[label], ctx.language.code, skip):
            problems.append(f"{label}'s spans: {p}" if label != first else p)
    return problems
