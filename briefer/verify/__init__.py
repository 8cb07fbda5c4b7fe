"""Re-check a brief or a digest against its source, trusting nothing the file says about itself.

A brief travels as JSON and may be edited, truncated or forged on the way; a
reader who doubts it should not need the model or the pipeline to check it.
Verification recomputes every invariant from the article text alone:

1. every span is the exact text at its offsets (invariant 1);
2. every fact cites spans that exist, and its claim names nothing (no name,
   number or date) that its spans do not (invariants 2 and 6);
3. reported speech keeps its speaker: the voice read from the source around
   the cited spans must agree with the stored attribution, and the statement
   must name the speaker or carry a reporting cue (invariant 6);
4. the rendered Markdown cites every statement with markers that resolve
   (invariant 3).

Loading is lenient on purpose (:func:`lenient`): the models' own validators
would reject a tampered span before it could be reported, so shapes and types
are checked here and the invariants are left to the checks, which name what
is wrong instead of refusing the file.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from .brief.attribution import claim_attributes, claim_keeps_hedge, claim_misattributes
from .brief.check import _voice as source_voice  # the pipeline's own reading of a fact's voice
from .brief.context import ArticleContext
from .brief.support import unsupported_terms
from .errors import InputError
from .language import language
from .models import Article, Brief, Citation, Fact, Span
from .output.check import uncited_lines, uncited_statements
from .output.formats import render


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
    problems += [p for c in brief.citations if (p := span_problem(f"[{c.id}]", c.span, article.text))]
    problems += _duplicates(brief.citations)
    cites = {c.id: c for c in brief.citations}
    ctx = brief_context(brief, article)
    for n, fact in enumerate(brief.facts, 1):
        problems += [f"fact {n}: {p}" for p in fact_problems(fact, cites, ctx)]
    problems += [f"markdown: no resolving marker on: {line.strip()}" for line in _uncited(brief)]
    return problems


def span_problem(label: str, span: Span, text: str) -> str | None:
    """Does ``text`` hold the span's quote at its offsets (invariant 1)?"""
    if 0 <= span.start < span.end <= len(text) and text[span.start : span.end] == span.text:
        return None
    found = text[span.start : span.end] if 0 <= span.start <= span.end else ""
    return f"{label}: characters {span.start}–{span.end} are “{_short(found)}”, not “{_short(span.text)}”"


def fact_problems(fact: Fact, cites: dict[int, Citation], ctx: ArticleContext) -> list[str]:
    """What is wrong with one fact: its citations, the support of its claim, its attribution."""
    unknown = [i for i in fact.citations if i not in cites]
    if not fact.citations or unknown:
        return [f"cites {_markers(unknown)}, which the brief does not list" if unknown else "cites nothing"]
    speaker_id = fact.attribution.speaker_citation
    content = [cites[i] for i in fact.citations if i != speaker_id] or [cites[i] for i in fact.citations]
    problems = []
    evidence = " ".join(ctx.text[c.span.start : c.span.end] for c in content)
    if missing := unsupported_terms(fact.claim, evidence, ctx.names, ctx.language, translated=ctx.translated):
        problems.append(f"its spans {_markers(fact.citations)} do not say {', '.join(missing)}")
    if not carries(fact.statement or fact.claim, fact.claim):
        problems.append("the statement does not say what the claim says")
    if not ctx.language.english:  # the voice is read from English cues only (briefer.brief.check)
        return problems
    return problems + attribution_problems(fact, content, cites, ctx)


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


def verify_digest(digest: Any, markdown: str | None = None) -> list[str]:
    """Every problem of a digest: each article's brief, then the digest's own citations and facts.

    ``digest`` is a :class:`briefer.digest.model.Digest` (read by attribute:
    the digest layer sits above this one); ``markdown`` is its rendering.
    """
    problems = [f"{a.label}: {p}" for a in digest.articles for p in verify_brief(a.brief)]
    articles = {a.label: a.brief for a in digest.articles}
    cites = {c.id: c for c in digest.citations}
    for c in digest.citations:
        problems += _digest_citation(c, articles)
    problems += _duplicates(digest.citations)
    contexts = {label: brief_context(b) for label, b in articles.items()}
    facts = [f for story in digest.stories for f in story.facts]
    for n, fact in enumerate(facts, 1):
        problems += [f"digest fact {n}: {p}" for p in _digest_fact(fact, cites, contexts)]
    if markdown is not None:
        bad = uncited_statements(markdown, set(cites))
        problems += [f"markdown: no resolving marker on: {line.strip()}" for line in bad]
    return problems


def _digest_citation(c: Any, articles: dict[str, Brief]) -> list[str]:
    brief = articles.get(c.article)
    if brief is None:
        return [f"[{c.id}]: cites article {c.article}, which the digest does not hold"]
    problem = span_problem(f"[{c.id}] ({c.article})", c.span, brief.article.text)
    if problem:
        return [problem]
    if not any(b.span.start == c.span.start and b.span.end == c.span.end for b in brief.citations):
        return [f"[{c.id}]: {c.article}'s brief cites no span at characters {c.span.start}–{c.span.end}"]
    return []


def _digest_fact(fact: Any, cites: dict[int, Any], contexts: dict[str, ArticleContext]) -> list[str]:
    unknown = [i for i in fact.citations if i not in cites]
    if not fact.citations or unknown:
        return [f"cites {_markers(unknown)}, which the digest does not list" if unknown else "cites nothing"]
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
    return problems


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
    ids = [c.id for c in citations]
    return [f"[{i}]: listed {ids.count(i)} times" for i in sorted(set(ids)) if ids.count(i) > 1]


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


# Loading: shapes and types checked, invariants left to the checks above.


def lenient(model: type[BaseModel], data: Any, where: str, **parsed: Any) -> Any:
    """``model`` from ``data`` with every field type-checked but no model validator run.

    ``parsed`` holds fields already loaded leniently (a brief's citations, a
    citation's span); everything else is validated by its annotation.
    """
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected an object, found {type(data).__name__}")
    fields = model.model_fields
    extra = sorted(set(data) - set(fields))
    missing = sorted(n for n, f in fields.items() if f.is_required() and n not in data)
    if extra or missing:
        what = ", ".join([*(f"unknown field {n!r}" for n in extra), *(f"no {n!r}" for n in missing)])
        raise InputError(f"{where}: {what}")
    values = dict(parsed)
    for name in sorted(set(data) - set(parsed)):
        try:
            values[name] = _adapter(fields[name].annotation).validate_python(data[name])
        except ValidationError as exc:
            raise InputError(f"{where}.{name}: {exc.errors()[0]['msg']}") from None
    return model.model_construct(**values)


@cache
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def items(data: Any, key: str, where: str) -> list[Any]:
    value = data.get(key, []) if isinstance(data, dict) else None
    if not isinstance(value, list):
        raise InputError(f"{where}.{key}: expected a list")
    return value


def parse_citation(model: type[BaseModel], data: Any, where: str) -> Any:
    """A citation whose span is loaded as is, so that a span not matching its text can be reported."""
    span = lenient(Span, data.get("span") if isinstance(data, dict) else None, f"{where}.span")
    return lenient(model, data, where, span=span)


def parse_brief(data: Any, where: str = "brief") -> Brief:
    """A :class:`Brief` from its JSON data, shaped and typed but not yet verified."""
    if not isinstance(data, dict):
        raise InputError(
            f"{where}: expected an object (the JSON of --format json), found {type(data).__name__}"
        )
    citations = [
        parse_citation(Citation, c, f"{where}.citations[{n}]")
        for n, c in enumerate(items(data, "citations", where))
    ]
    article = lenient(Article, data.get("article"), f"{where}.article")
    return lenient(Brief, data, where, citations=citations, article=article)
