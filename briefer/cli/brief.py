"""``briefer brief``: one article in, one brief out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .options import CONTEXT_SETTINGS, handle_errors, model_options, settings_from

FORMATS = ["md", "json"]  # the names registered in briefer.output.formats (checked by a test)


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("article")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (atomically) instead of stdout.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("--template", help="Built-in template name (brief, summary) or path to a .j2 file.")
@click.option(
    "--show-dropped", is_flag=True, help="List the facts that were dropped, with their quotes and why."
)
@click.option(
    "--allow-private-hosts",
    is_flag=True,
    help="Allow fetching from loopback and private (intranet) addresses.",
)
@model_options
@handle_errors
def brief(
    article: str, output: Path | None, fmt: str, show_dropped: bool, allow_private_hosts: bool, **kwargs: Any
) -> None:
    """Brief one ARTICLE: a file, an http(s) URL, or - for stdin."""
    from ..brief.pipeline import brief_article
    from ..errors import InputError
    from ..output.files import write_atomic
    from ..output.formats import render
    from ..runtime import Runtime
    from ..sources import load_article

    settings, quiet = settings_from(kwargs)
    if output and article != "-" and Path(article).exists() and output.resolve() == Path(article).resolve():
        raise InputError(f"-o {output} is the article itself; write the brief to another file.")
    runtime = Runtime.resolve(settings)
    source = load_article(article, allow_private=allow_private_hosts)
    progress = None if quiet else (lambda n, total: click.echo(f"briefer: chunk {n}/{total} done", err=True))
    with runtime.open_store() as store, runtime.backend(store) as backend:
        result = brief_article(
            source, backend, max_chunk_tokens=runtime.chunk_tokens, options=runtime.options, on_chunk=progress
        )
    text = render(result, fmt=fmt, template=settings.template, show_dropped=show_dropped)
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
