"""``briefer brief``: one article in, one brief out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from .options import CONTEXT_SETTINGS, handle_errors, model_options, settings_from

FORMATS = ["md", "json", "html"]  # the names registered in briefer.output.formats (checked by a test)


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
    "--link-files",
    is_flag=True,
    help="Link each quote of a local file's brief to the file (file: URL); web articles always link.",
)
@click.option(
    "--open",
    "open_view",
    is_flag=True,
    help="Open the HTML view (-o if it is HTML, else a temp file) in the browser; only on a terminal.",
)
@click.option(
    "--allow-private-hosts",
    is_flag=True,
    help="Allow fetching from loopback and private (intranet) addresses.",
)
@model_options
@handle_errors
def brief(
    article: str,
    output: Path | None,
    fmt: str,
    show_dropped: bool,
    allow_private_hosts: bool,
    link_files: bool,
    open_view: bool,
    **kwargs: Any,
) -> None:
    """Brief one ARTICLE: a file, an http(s) URL, or - for stdin."""
    from ..brief.pipeline import brief_article
    from ..errors import InputError
    from ..output.files import write_atomic
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
            source,
            backend,
            max_chunk_tokens=runtime.chunk_tokens,
            options=runtime.options,
            on_chunk=progress,
            concurrency=runtime.chunk_concurrency,
        )
    text = _render(result, fmt, settings.template, show_dropped, link_files)
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    if open_view:
        _open_view(result, output if fmt == "html" else None)


def _render(result: Any, fmt: str, template: str, show_dropped: bool, link_files: bool) -> str:
    """The brief in ``fmt``; Markdown with ``link_files`` gets ``file:`` links on its Sources lines."""
    from ..output.formats import render
    from ..output.render import context, render_template

    if link_files and fmt == "md":
        return render_template(template, {**context(result, show_dropped), "link_files": True})
    return render(result, fmt=fmt, template=template, show_dropped=show_dropped)


def _open_view(result: Any, written: Path | None) -> None:
    """Open the HTML view in the default browser: ``written`` if the brief went there as HTML, else a temp file.

    Only on a terminal: from cron, CI or a pipe no browser should pop up.
    """
    import sys
    import tempfile
    import webbrowser

    from ..output.files import write_atomic
    from ..output.formats import render

    if not sys.stderr.isatty():
        click.echo("briefer: --open: not on a terminal, so no browser is opened", err=True)
        return
    if written is None:
        fd, name = tempfile.mkstemp(prefix="briefer-", suffix=".html")
        os.close(fd)
        written = Path(name)
        write_atomic(written, render(result, fmt="html"))
    click.echo(f"briefer: opening {written}", err=True)
    webbrowser.open(written.resolve().as_uri())
