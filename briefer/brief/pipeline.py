"""One article in, one verified :class:`Brief` out: chunk, extract, ground, merge, number."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from .._version import __version__
from ..errors import LLMError
from ..language import ENGLISH_CODE, Language, detect, language, looks_english
from ..llm.base import Backend
from ..models import Article, Brief, BriefMeta, Chunk, ChunkFailure, Citation, DroppedFact, Fact
from .chunking import chunk_text
from .context import ArticleContext
from .extract import ChunkOutcome, ExtractOptions, GroundedFact, extract_chunk
from .judged import Judge, judged
from .merge import best_spans, merge_facts
from .picks import fold_contained
from .prompts import load_prompts


def article_chunks(article: Article, max_chunk_tokens: int, language: str = ENGLISH_CODE) -> list[Chunk]:
    """The chunks a brief asks about: the text cut at sentences, whitespace-only chunks left out."""
    return [c for c in chunk_text(article.text, max_chunk_tokens, language) if c.text.strip()]


def article_languages(article: Article, options: ExtractOptions) -> tuple[Language, Language]:
    """The article's language (set, else detected from the text, else its page's ``lang``) and the claims'
    (in quote mode the article's own: its sentences are the statements)."""
    code = options.language if options.language != "auto" else detect(article.text, article.language)
    lang = language(code)
    translated = options.answer_language and options.statements != "quote"
    return lang, language(options.answer_language) if translated else lang


def brief_article(
    article: Article,
    backend: Backend,
    *,
    max_chunk_tokens: int = 1024,
    options: ExtractOptions | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
    concurrency: int = 1,
    on_outcome: Callable[[ChunkOutcome], None] | None = None,
    judge: Judge | None = None,
) -> Brief:
    """Run the pipeline over one article. Raises :class:`LLMError` if no chunk could be read.

    With ``concurrency`` > 1 the chunks are asked on a bounded thread pool;
    their outcomes are combined in chunk order, so the brief is byte-identical
    to a sequential run. ``options.statements`` says what a statement is: the
    source's sentence ("quote"), or the model's claim ("paraphrase"), which a
    ``judge`` (see :mod:`briefer.brief.judged`), where given, passes or turns
    into its quote, once per chunk.
    """
    options = options or ExtractOptions()
    lang, answer = article_languages(article, options)
    chunks = article_chunks(article, max_chunk_tokens, lang.code)
    ctx = ArticleContext.of(article, lang, answer)
    judge = judge if options.statements == "paraphrase" else None
    total = ChunkOutcome()
    failures = []
    for chunk, outcome in zip(
        chunks, _outcomes(backend, ctx, chunks, options, on_chunk, concurrency, on_outcome, judge)
    ):
        if outcome.failure:
            failures.append(
                ChunkFailure(chunk=chunk.index, start=chunk.start, end=chunk.end, reason=outcome.failure)
            )
        total.absorb(outcome)
    if chunks and len(failures) == len(chunks):
        reasons = {f.reason for f in failures}
        raise LLMError(failures[0].reason if len(reasons) == 1 else f"No brief: {failures[0].reason}.")
    if not total.facts and total.counts.proposed:
        raise LLMError(_nothing_verified(total, answer))
    if options.statements == "quote":  # the same sentences are the same fact; none else is
        facts = fold_contained(sorted(total.facts, key=lambda f: (f.first, f.claim)), total.counts)
    else:
        facts, total.counts.merged = merge_facts(total.facts)
    meta = BriefMeta(
        model=backend.model,
        prompt_version=load_prompts().version,
        structured_mode=backend.structured_mode,
        briefer_version=__version__,
        chunks=len(chunks),
        usage=total.usage,
        counts=total.counts,
        failed_chunks=failures,
        language=lang.code,
        answer_language=answer.code,
        statements="quote" if options.statements == "quote" else "paraphrase",
    )
    return number_citations(article, facts, meta).model_copy(update={"dropped": _distinct(total.dropped)})


def _distinct(dropped: list[DroppedFact]) -> list[DroppedFact]:
    """One entry per claim and reason, in first-seen order, counting repeats."""
    seen: dict[tuple[str, str], DroppedFact] = {}
    for d in dropped:
        key = (d.claim, d.reason)
        seen[key] = seen[key].model_copy(update={"times": seen[key].times + 1}) if key in seen else d
    return list(seen.values())


def _outcomes(
    backend, ctx, chunks, options, on_chunk, concurrency: int, on_outcome=None, judge=None
) -> list[ChunkOutcome]:
    """Each chunk's outcome (its paraphrases judged, if a judge is given), in chunk order, asked
    ``concurrency`` at a time."""
    done = iter(range(1, len(chunks) + 1))

    def one(chunk: Chunk) -> ChunkOutcome:
        outcome = judged(extract_chunk(backend, ctx, chunk, options), judge, ctx)
        if on_outcome:
            on_outcome(outcome)
        if on_chunk and not outcome.failure:
            on_chunk(next(done), len(chunks))
        return outcome

    if concurrency <= 1 or len(chunks) <= 1:
        return [one(c) for c in chunks]  # in this thread: the embedded server is tied to its starter
    with ThreadPoolExecutor(
        max_workers=min(concurrency, len(chunks)), thread_name_prefix="briefer-chunk"
    ) as pool:
        return list(pool.map(one, chunks))


def _outermost(fact: GroundedFact) -> GroundedFact:
    """A fact's spans without those inside another of its spans (two quotes of one sentence cite it once)."""
    spans = fact.grounded

    def inside(g) -> bool:
        return (
            any(
                o is not g and o.span.start <= g.span.start and g.span.end <= o.span.end and o.span != g.span
                for o in spans
            )
            and (g.span.start, g.span.end) != fact.speaker_span
        )

    kept = [g for g in spans if not inside(g)]
    return fact if len(kept) == len(spans) else replace(fact, grounded=kept)


def number_citations(article: Article, facts: list[GroundedFact], meta: BriefMeta) -> Brief:
    """Number the distinct spans in article order and point each fact at its numbers."""
    facts = [_outermost(f) for f in facts]
    spans = best_spans(g for f in facts for g in f.grounded)
    ids = {(g.span.start, g.span.end): i for i, g in enumerate(spans, 1)}
    citations = [Citation(id=i, span=g.span, match=g.match, score=g.score) for i, g in enumerate(spans, 1)]
    rendered = [
        Fact(
            claim=f.claim,
            kind=f.kind,
            entities=f.entities,
            citations=sorted({ids[(g.span.start, g.span.end)] for g in f.grounded}),
            statement=f.statement or f.claim,
            attribution=f.attribution.model_copy(
                update={"speaker_citation": ids.get(f.speaker_span or (-1, -1))}
            ),
        )
        for f in facts
    ]
    return Brief(article=article, facts=rendered, citations=citations, meta=meta)


def _nothing_verified(total: ChunkOutcome, answer: Language) -> str:
    """Exit 3 rather than an empty brief: the model proposed facts and none could be verified."""
    first = total.dropped[0].reason if total.dropped else "no reason recorded"
    claims = " ".join(d.claim for d in total.dropped)
    if not answer.english and looks_english(claims):  # small models answer in English whatever they are told
        return (
            f"No brief: the LLM wrote its claims in English, not {answer.name}, so none of the"
            f" {total.counts.proposed} could be checked against the article; use a stronger model"
            " (--base-url/--model), or --answer-language en for a translated brief."
        )
    return (
        f"No brief: none of the {total.counts.proposed} facts the LLM proposed could be verified against"
        f" the article (first problem: {first}); try a stronger model (--base-url/--model)."
    )
