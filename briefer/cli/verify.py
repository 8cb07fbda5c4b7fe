"""``briefer verify``: re-check a brief's (or a digest's) JSON against its source, without any model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from .options import CONTEXT_SETTINGS, handle_errors


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("brief_json", metavar="BRIEF.json", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("source", required=False)
@click.option(
    "--judge",
    "judge_name",
    type=click.Choice(["none", "llm"]),
    default="none",
    show_default=True,
    help="none: the structural checks of meaning only (no model); llm: a brief's statements that pass"
    " them are also put to the configured model (or the embedded one), one request for all.",
)
@handle_errors
def verify(brief_json: Path, source: str | None, judge_name: str) -> None:
    """Re-check BRIEF.json (a brief or a digest, as briefer writes them) against its source.

    Checks that every span is the source's exact text, that every claim names only what its spans
    say, that every statement passes the checks of meaning the pipeline runs (negation, modality,
    quantifiers, numbers, hedges, who does what), that reported speech keeps the source's speaker,
    and that the rendered Markdown cites every statement. SOURCE (a file or an http(s) URL) is read again and must be the text the brief was made
    from; without it, the article text inside the JSON is used. Prints one line per failed check,
    then a summary. Exit status: 0 all checks hold, 1 a check failed, 2 unreadable or not a brief
    (over 64 MB, nested deeper than 32 levels, a number out of range, a lone surrogate, a field of
    the wrong type, an article over 2,000,000 characters: one line names the field).
    """
    from ..verify import parse_brief, read_json, verify_brief

    data = read_json(brief_json)
    if isinstance(data, dict) and "stories" in data:
        if source is not None:
            raise InputError("SOURCE is for a brief; a digest is checked against the articles inside it.")
        problems, counted = _verify_digest(data)
    else:
        brief = parse_brief(data)
        del data  # the parsed JSON: the brief holds what the checks need (peak memory)
        text = _source_text(source) if source is not None else None
        problems = verify_brief(brief, text)
        if judge_name == "llm":
            problems += _judged(brief)
        counted = f"{len(brief.facts)} facts, {len(brief.citations)} citations"
    for problem in problems:
        click.echo(problem)
    outcome = (
        f"{len(problems)} check{'s' if len(problems) != 1 else ''} failed" if problems else "all checks hold"
    )
    click.echo(f"verify: {counted}: {outcome}")
    if problems:
        raise SystemExit(1)


def _judged(brief: Any) -> list[str]:
    """The model's verdicts on the statements, as problem lines (the LLM judge, as ``briefer check``)."""
    from ..brief.judge import Evidence, get_judge
    from ..config import load_settings
    from ..runtime import Runtime

    runtime = Runtime.resolve(load_settings({}))
    text, code = brief.article.text, brief.meta.language
    cites = {c.id: c for c in brief.citations}
    items = [
        (
            f.statement or f.claim,
            Evidence(text, tuple((cites[i].span.start, cites[i].span.end) for i in f.citations if i in cites
                                 and i != f.attribution.speaker_citation), code),
        )
        for f in brief.facts
    ]  # fmt: skip
    with runtime.open_store() as store, runtime.backend(store) as backend:
        verdicts = get_judge("llm", backend).judge(items)
    return [
        f"fact {n}: {v.check}: {v.reason or v.label.replace('_', ' ')}"
        for n, v in enumerate(verdicts, 1)
        if not v.ok and v.check == "llm"  # the structural objections are listed already
    ]


def _source_text(source: str) -> str:
    from ..sources import load_article

    return load_article(source).text


def _verify_digest(data: dict[str, Any]) -> tuple[list[str], str]:
    """Load a digest leniently (its invariants are what is checked) and verify it with its Markdown."""
    from ..digest.model import Digest, DigestArticle, DigestCitation
    from ..verify import items, lenient, parse_brief, parse_citation, verify_digest
    from ..verify.digest import structure_problems

    articles = []
    for n, a in enumerate(items(data, "articles", "digest")):
        brief = parse_brief(a.get("brief") if isinstance(a, dict) else None, f"digest.articles[{n}].brief")
        articles.append(lenient(DigestArticle, a, f"digest.articles[{n}]", brief=brief))
    citations = [
        parse_citation(DigestCitation, c, f"digest.citations[{n}]")
        for n, c in enumerate(items(data, "citations", "digest"))
    ]
    digest = lenient(Digest, data, "digest", articles=articles, citations=citations)
    markdown, problems = None, []
    if not structure_problems(digest):  # the template needs every article a story names
        markdown, problems = _rendered(digest)
    problems = verify_digest(digest, markdown) + problems
    facts = sum(len(s.facts) for s in digest.stories)
    return problems, f"{len(articles)} articles, {facts} facts, {len(citations)} citations"


def _rendered(digest: Any) -> tuple[str | None, list[str]]:
    from ..digest.assemble import render_digest

    try:
        return render_digest(digest), []
    except Exception as exc:  # noqa: BLE001 -- a digest that cannot render is a failed check, not a crash
        return None, [f"markdown: the digest does not render: {type(exc).__name__}: {exc}"]
