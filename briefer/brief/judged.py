"""Paraphrase mode's safety net: a judge passes each paraphrase, and one it fails becomes its quote.

A judge is any callable that takes a chunk's statements, each with its cited
content spans, and returns one verdict per statement: an object with ``ok`` (and
``reason``), or an ``(ok, reason)`` pair. It is asked once per chunk. A statement it
does not pass is neither dropped nor re-asked: it falls back to the quote of its
spans (the source's sentences that hold them, rendered as in quote mode), and
``GroundingCounts.quoted_fallbacks`` counts it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..models import Span
from .context import ArticleContext
from .facts import ChunkOutcome, GroundedFact
from .picks import quoted_fact
from .quote import sentences_of

log = logging.getLogger("briefer")

Judge = Callable[[list[tuple[str, list[Span]]]], Sequence[Any]]


def registry_judge(name: str, backend: Any, text: str, language: str) -> Judge:
    """The judge registered as ``name`` (:mod:`briefer.brief.judge`: ``none`` runs the structural checks,
    ``llm`` asks ``backend`` about what they pass) as the pipeline's hook for one article's ``text``.

    The pipeline, ``briefer verify`` and ``briefer check`` run this one chain of checks."""
    from .judge import Evidence, get_judge

    judge = get_judge(name, backend)

    def ask(items: list[tuple[str, list[Span]]]) -> Sequence[Any]:
        cited = [
            (s, Evidence(text, tuple((sp.start, sp.end) for sp in spans), language)) for s, spans in items
        ]
        return judge.judge(cited)

    return ask


def content_spans(fact: GroundedFact) -> list[Span]:
    """A fact's cited spans without its speaker's name."""
    return [g.span for g in fact.grounded if (g.span.start, g.span.end) != fact.speaker_span]


def verdict(answer: Any) -> tuple[bool, str]:
    """``(ok, reason)`` from a verdict object (``ok``/``reason``) or a pair."""
    if hasattr(answer, "ok"):
        return bool(answer.ok), str(getattr(answer, "reason", "") or "")
    ok, reason = answer
    return bool(ok), str(reason or "")


def judged(outcome: ChunkOutcome, judge: Judge | None, ctx: ArticleContext) -> ChunkOutcome:
    """``outcome`` with every fact the judge does not pass turned into the quote of its spans."""
    if judge is None or not outcome.facts:
        return outcome
    answers = list(judge([(f.statement or f.claim, content_spans(f)) for f in outcome.facts]))
    if len(answers) != len(outcome.facts):
        raise ValueError(f"the judge gave {len(answers)} verdicts for {len(outcome.facts)} statements")
    facts = []
    for fact, answer in zip(outcome.facts, answers):
        ok, reason = verdict(answer)
        if ok:
            facts.append(fact)
            continue
        log.debug("judge: %r falls back to its quote (%s)", fact.statement or fact.claim, reason)
        facts.append(quote_of(fact, ctx))
        outcome.counts.quoted_fallbacks += 1
    outcome.facts = facts
    return outcome


def quote_of(fact: GroundedFact, ctx: ArticleContext) -> GroundedFact:
    """The fact in the source's words: the sentences that hold its spans, as quote mode renders them."""
    picks = sentences_of(ctx, content_spans(fact))
    quoted = quoted_fact(ctx, picks, fact.kind, fact.chunk)
    return replace(quoted, entities=fact.entities or quoted.entities)
