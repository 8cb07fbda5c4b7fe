"""``briefer check``: does this sentence follow from this article? The judge's verdict, the span and the check."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import click

from .options import CONTEXT_SETTINGS, ENVIRONMENT_EPILOG, handle_errors, model_options, settings_from

JUDGES = ["none", "llm"]  # the names registered in briefer.brief.judge (checked by a test)


def _cite(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for value in values:
        m = re.fullmatch(r"\s*(\d+)\s*[-:]\s*(\d+)\s*", value)
        if m is None or int(m.group(1)) >= int(m.group(2)):
            raise click.BadParameter(f"{value!r} is not START-END with START < END (character offsets)")
        spans.append((int(m.group(1)), int(m.group(2))))
    return spans


@click.command(context_settings=CONTEXT_SETTINGS, epilog=ENVIRONMENT_EPILOG)
@click.argument("source")
@click.argument("statement")
@click.option(
    "--cite",
    "spans",
    metavar="START-END",
    multiple=True,
    callback=_cite,
    help="A cited span, as character offsets into the article (repeatable). Without it briefer finds"
    " the sentence that best supports the statement.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--judge",
    "judge_name",
    type=click.Choice(JUDGES),
    default="none",
    show_default=True,
    help="none: the structural checks only (no model); llm: then the configured model (or the embedded one).",
)
@model_options
@handle_errors
def check(source: str, statement: str, spans: list, fmt: str, judge_name: str, **kwargs: Any) -> None:
    """Does STATEMENT follow from SOURCE (a file, an http(s) URL, or - for standard input)?

    Prints the verdict (supported, partly, not supported), the span it was judged on (offsets and
    text) and the check that decided: polarity, direction, modality, quantifier, numbers, hedge,
    attribution, roles, words, or llm. Exit status: 0 supported; 1 not supported (or partly);
    2 bad input (unreadable source, bad --cite, empty statement); 3 the judge's model did not answer.
    """
    from ..brief.judge.claim import check_statement
    from ..sources import load_article

    settings, _ = settings_from(kwargs)
    article = load_article(source)
    code = None if settings.language == "auto" else settings.language
    if judge_name == "none":
        checked = check_statement(article, statement, spans, code=code)
    else:
        checked = _with_model(settings, article, statement, spans, code)
    _print(checked, fmt)
    if not checked.verdict.ok:
        sys.exit(1)


def _with_model(settings: Any, article: Any, statement: str, spans: list, code: str | None) -> Any:
    from ..brief.judge import get_judge
    from ..brief.judge.claim import check_statement
    from ..runtime import Runtime

    runtime = Runtime.resolve(settings)
    with runtime.open_store() as store, runtime.backend(store) as backend:
        return check_statement(article, statement, spans, get_judge("llm", backend), code)


def _print(checked: Any, fmt: str) -> None:
    data = checked.as_data()
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    label = data["label"].replace("_", " ")
    decided = "structural checks" if data["check"] == "structural" else f"{data['check']} check"
    click.echo(f"{label} ({decided})" + (f": {data['reason']}" if data["reason"] else ""))
    how = "found by briefer" if data["span_found_by_briefer"] else "cited"
    for span in data["spans"]:
        click.echo(
            f"span {span['start']}-{span['end']} ({how}): {json.dumps(span['text'], ensure_ascii=False)}"
        )
