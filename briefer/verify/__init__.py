"""Re-check a brief or a digest against its source, trusting nothing the file says about itself.

A brief travels as JSON and may be edited, truncated or forged on the way; a
reader who doubts it should not need the model or the pipeline to check it.
Verification recomputes every invariant from the article text alone:

1. every span is the exact text at its offsets (invariant 1);
2. every fact cites spans that exist, its claim names nothing (no name,
   number or date) that its spans do not, and its statement passes the
   pipeline's structural checks of meaning (negation, modality, quantifiers,
   numbers, hedges, who does what: :mod:`briefer.brief.judge`; invariants 2, 6, 7);
3. reported speech keeps its speaker: the voice read from the source around
   the cited spans must agree with the stored attribution, and the statement
   must name the speaker or carry a reporting cue (invariant 6);
4. the rendered Markdown cites every statement with markers that resolve
   (invariant 3).

Reading and loading the JSON is :mod:`briefer.verify.load`: bounded, screened
and strictly typed, so that malformed input is refused (exit 2) before any
check runs, and a check fails (exit 1) only for a broken invariant. Every
check is linear in the brief: citations are looked up by id, sentences and
quotations by bisection.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ..brief.attribution import claim_attributes, claim_keeps_hedge, claim_misattributes
from ..brief.check import _voice as source_voice  # the pipeline's own reading of a fact's voice
from ..brief.context import ArticleContext
from ..brief.judge import Evidence, structural_verdict
from ..brief.support import unsupported_terms
from ..language import language
from ..models import Article, Brief, Citation, Fact, Span
from ..output.check import uncited_lines
from ..output.formats import render
from .load import MAX_BYTES, items, lenient, parse_brief, parse_citation, read_json

__all__ = [
    "MAX_BYTES",
    "items",
    "lenient",
    "parse_brief",
    "parse_citation",
    "read_json",
    "verify_brief",
    "verify_digest",
]


def __getattr__(name: str) -> Any:
    if name == "verify_digest":  # in .digest, which imports this module's checks
        from .digest import verify_digest

        return verify_digest
    raise AttributeError(name)


def verify_brief(brief: Brief, source_text: str | None = None) -> list[str]:
    """Every problem of ``brief``, one line each (empty: all checks hold).

    With ``source_text`` (the source read again), the spans are checked against
    it, and a text that differs from the one stored in the brief is a problem.
    """
    problems = []
    article = brief.article
    if source_text is not None and source_text != article.text:
        problems.append(_difference(article.text, source_text))
        article = article.model_copy(update={"text": source_text})
    spans = [(c.id, span_problem(f"[{c.id}]", c.span, article.text)) for c in brief.citations]
    problems += [p for _, p in spans if p]
    broken = {i for i, p in spans if p}
    problems += _duplicates(brief.citations)
    cites = {c.id: c for c in brief.citations if c.id not in broken}
    ctx = brief_context(brief, article)
    for n, fact in enumerate(brief.facts, 1):
        problems += [f"fact {n}: {p}" for p in fact_problems(fact, cites, ctx, broken)]
    problems += [f"markdown: no resolving marker on: {line.strip()}" for line in _uncited(brief)]
    return problems


def span_problem(label: str, span: Span, text: str) -> str | None:
    """Does ``text`` hold the span's quote at its offsets (invariant 1)?"""
    if 0 <= span.start < span.end <= len(text) and text[span.start : span.end] == span.text:
        return None
    found = text[span.start : span.end] if 0 <= span.start <= span.end else ""
    return f"{label}: characters {span.start}–{span.end} are “{_short(found)}”, not “{_short(span.text)}”"


def fact_problems(
    fact: Fact, cites: dict[int, Citation], ctx: ArticleContext, broken: set[int] = frozenset()
) -> list[str]:
    """What is wrong with one fact: its citations, the support of its claim, its attribution.

    A fact citing a ``broken`` span (reported on its own) is not checked further.
    """
    if problem := citation_problem(fact.citations, cites, broken, "brief"):
        return [problem]
    speaker_id = fact.attribution.speaker_citation
    content = [cites[i] for i in fact.citations if i != speaker_id] or [cites[i] for i in fact.citations]
    problems = []
    evidence = " ".join(ctx.text[c.span.start : c.span.end] for c in content)
    if missing := unsupported_terms(fact.claim, evidence, ctx.names, ctx.language, translated=ctx.translated):
        problems.append(f"its spans {_markers(fact.citations)} do not say {', '.join(missing)}")
    if not carries(fact.statement or fact.claim, fact.claim):
        problems.append("the statement does not say what the claim says")
    if not ctx.translated:  # a claim in another language than its spans is held to its names and numbers
        problems += meaning_problems(fact.statement or fact.claim, ctx.text, content, ctx.language.code)
    if not ctx.language.english:  # the voice is read from English cues only (briefer.brief.check)
        return problems
    return problems + attribution_problems(fact, content, cites, ctx)


def meaning_problems(
    statement: str, text: str, content: list[Any], code: str, skip: tuple[str, ...] = ("attribution", "words")
) -> list[str]:
    """Does the statement say what its spans say? The structural checks of the pipeline's judge
    (:func:`briefer.brief.judge.structural_verdict`), naming the check that objects. By default who
    says it is left to :func:`attribution_problems`, with the reading of the source the pipeline used,
    and the words to the claim's own word check in :func:`fact_problems`."""
    evidence = Evidence(text, tuple((c.span.start, c.span.end) for c in content), code)
    verdict = structural_verdict(statement, evidence, skip=skip)
    return [] if verdict.ok else [f"{verdict.check}: {verdict.reason or 'its spans do not say this'}"]


def citation_problem(ids: list[int], cites: dict[int, Any], broken: set[int], holder: str) -> str | None:
    """Does a fact cite at least one citation, each once, each listed and sound?"""
    if not ids:
        return "cites nothing"
    if repeated := [i for i, n in Counter(ids).items() if n > 1]:
        return f"cites {_markers(repeated)} more than once"
    if unknown := [i for i in ids if i not in cites and i not in broken]:
        return f"cites {_markers(unknown)}, which the {holder} does not list"
    if bad := [i for i in ids if i in broken]:
        return f"cites {_markers(bad)}, whose span is not the text (not checked further)"
    return None


def brief_context(brief: Brief, article: Article | None = None) -> ArticleContext:
    """The checks' context of a stored brief, in the languages its run used."""
    meta = brief.meta
    return ArticleContext.of(
        article or brief.article, language(meta.language), language(meta.answer_language)
    )


def attribution_problems(
    fact: Fact, content: list[Citation], cites: dict[int, Citation], ctx: ArticleContext
) -> list[str]:
    """Does the stored attribution agree with the voice read from the source around the cited spans?"""
    stored, voice = fact.attribution, source_voice(content, ctx)  # type: ignore[arg-type]
    statement = fact.statement or fact.claim
    heard = voice.speaker.name if voice.reported and voice.speaker else None
    problems = []
    if voice.reported and not stored.reported:
        problems.append(f"the source reports this{_by(heard)}, but the brief states it as fact")
    elif stored.reported and not voice.reported:
        problems.append(f"the brief reports this{_by(stored.speaker)}, but the source does not")
    elif heard and _fold(heard) != _fold(stored.speaker or ""):
        problems.append(f"the source gives these words to {heard}, the brief to {stored.speaker or 'nobody'}")
    if voice.reported and not claim_attributes(statement, voice):
        problems.append("the statement does not say who says it")
    elif claim_misattributes(statement, voice):
        problems.append("the statement credits a speaker the source does not")
    elif not voice.reported and not claim_keeps_hedge(statement, voice):
        problems.append(f"the source hedges this (“{voice.hedges[0]}”), the statement does not")
    return problems + _speaker_citation(stored.speaker, stored.speaker_citation, cites)


def _speaker_citation(speaker: str | None, cid: int | None, cites: dict[int, Citation]) -> list[str]:
    if cid is None:
        return []
    if cid not in cites:
        return [f"its speaker cites [{cid}], which the brief does not list"]
    if speaker is None or _fold(speaker) not in _fold(cites[cid].span.text):
        return [f"its speaker citation [{cid}] does not name {speaker or 'a speaker'}"]
    return []


def carries(statement: str, claim: str) -> bool:
    """Is the statement the claim, perhaps behind its speaker ("Analysts say …")?"""
    return _fold(claim) in _fold(statement)


def _uncited(brief: Brief) -> list[str]:
    try:
        markdown = render(brief, "md")
    except Exception as exc:  # noqa: BLE001 -- a brief that cannot render is a failed check, not a crash
        return [f"(the brief does not render: {type(exc).__name__}: {exc})"]
    return uncited_lines(markdown, brief)


def _duplicates(citations: list[Any]) -> list[str]:
    counts = Counter(c.id for c in citations)
    return [f"[{i}]: listed {n} times" for i, n in sorted(counts.items()) if n > 1]


def _difference(stored: str, source: str) -> str:
    at = next((n for n, (a, b) in enumerate(zip(stored, source)) if a != b), min(len(stored), len(source)))
    return (
        f"source: the text differs from the brief's article from character {at} on "
        f"({len(source)} characters read, {len(stored)} in the brief)"
    )


def _by(speaker: str | None) -> str:
    return f" (speaker: {speaker})" if speaker else ""


def _markers(ids: list[int]) -> str:
    return "".join(f"[{i}]" for i in ids)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".").casefold()
