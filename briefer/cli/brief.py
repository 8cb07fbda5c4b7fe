"""``briefer brief``: articles in, cited briefs out (or, with ``--dry-run``, what that would take)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from .options import CONTEXT_SETTINGS, ENVIRONMENT_EPILOG, handle_errors, model_options, settings_from

FORMATS = ["md", "json", "html"]  # the names registered in briefer.output.formats (checked by a test)


@click.command(context_settings=CONTEXT_SETTINGS, epilog=ENVIRONMENT_EPILOG)
@click.argument("articles", metavar="ARTICLE...", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    metavar="FILE|DIR/",
    help="Write here (atomically) instead of stdout. A folder (DIR/, or with several articles) gets one"
    " NAME.brief.md (.json, .html) per article.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option(
    "--template",
    help="Markdown only: a built-in brief template (brief, summary; see `briefer templates`) or a .j2 file.",
)
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
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show backend, model, every setting and where it came from, the chunks and a token estimate;"
    " send nothing.",
)
@click.option(
    "--show-prompt",
    type=int,
    metavar="N",
    help="Print the exact messages of chunk N's request (JSON); send nothing.",
)
@model_options
@handle_errors
def brief(articles: tuple[str, ...], fmt: str, dry_run: bool, show_prompt: int | None, **kwargs: Any) -> None:
    """Brief each ARTICLE: a file, an http(s) URL, or - for standard input.

    Several articles go to stdout one after another (Markdown briefs separated by a `* * *` line,
    JSON briefs as one array), or with -o DIR/ to one file per article, whose paths are printed.
    Every article is read before any is sent; an article that fails is one error line and the
    others go on. Exit status: 0 all briefed; 2 bad input, options or configuration; 3 the LLM
    cannot be reached, keeps answering badly, or none of its facts could be verified.
    """
    from ..runtime import Runtime
    from .batch import Target, check_inputs

    options = {k: kwargs.pop(k) for k in ("output", "show_dropped", "link_files", "open_view")}
    allow_private = kwargs.pop("allow_private_hosts")
    _check_template_flag(kwargs.get("template"), fmt)
    settings, quiet = settings_from(kwargs)
    target = Target.of(options["output"], articles, fmt)
    check_inputs(articles, target, fmt, options["open_view"])
    runtime = Runtime.resolve(settings)
    sources = _read(articles, settings.template if fmt == "md" else None, allow_private, show_prompt)
    if show_prompt is not None or dry_run:
        return _describe(runtime, sources, show_prompt)
    status = _brief_all(
        sources, runtime, target, quiet, {**options, "fmt": fmt, "template": settings.template}
    )
    target.finish()
    if status:
        sys.exit(status)


def _check_template_flag(template: str | None, fmt: str) -> None:
    from ..errors import ConfigError

    if template is not None and fmt != "md":
        raise ConfigError(
            f"--template shapes Markdown briefs; --format {fmt} has no template (drop one of the two)."
        )


def _read(articles: tuple[str, ...], template: str | None, allow_private: bool, show_prompt: int | None):
    """The template checked and every article read, before anything is sent to a model."""
    from ..errors import InputError
    from ..output.render import check_template
    from ..output.sample import probe_brief_template
    from ..sources import load_article
    from ..sources.article import require_article_text

    if show_prompt is not None and len(articles) > 1:
        raise InputError("--show-prompt shows one article's prompt; pass one article.")
    if template is not None:
        check_template(template, "brief")
        probe_brief_template(template)  # a template over its limits is refused before the model is paid
    return [(arg, require_article_text(load_article(arg, allow_private=allow_private))) for arg in articles]


def _describe(runtime: Any, sources: list, show_prompt: int | None) -> None:
    from .dryrun import brief_report, prompt_json

    if show_prompt is not None:
        click.echo(prompt_json(runtime, sources[0][1], show_prompt), nl=False)
    else:
        click.echo(brief_report(runtime, sources), nl=False)


def _brief_all(sources: list, runtime: Any, target: Any, quiet: bool, shape: dict[str, Any]) -> int:
    """Brief every article on one backend; returns the exit status (the first failure's)."""
    from ..llm.cache import Tally
    from .batch import recorded, run_each
    from .progress import Status, chunk_progress, say

    several = len(sources) > 1
    with runtime.open_store() as store, Status(runtime, quiet).backend(store) as backend:

        def one(n: int, arg: str) -> None:
            article = sources[n][1]
            label = "standard input" if arg == "-" else arg
            count = (lambda: len(runtime.chunks(article))) if not quiet else None  # for a progress bar
            tally = Tally(backend)  # this brief's answers: asked, or from the cache
            with recorded(store, backend, label, article) as run:
                with chunk_progress(quiet, label, count, several, tally) as progress:
                    run.result = runtime.brief(article, tally, on_chunk=progress, on_outcome=progress.outcome)
                run.output = target.put(arg, _render(run.result, shape))
            if tally.all_cached and not quiet:
                say(f"{label}: (cached) every answer came from the cache; no model was asked")
            if shape["open_view"]:
                _open_view(run.result, run.output if shape["fmt"] == "html" else None)

        return run_each([arg for arg, _ in sources], one, several=several)


def _render(result: Any, shape: dict[str, Any]) -> str:
    """The brief in its format; Markdown with ``--link-files`` gets ``file:`` links on its Sources lines."""
    from ..output.formats import render
    from ..output.render import context, render_template

    fmt, template, show_dropped = shape["fmt"], shape["template"], shape["show_dropped"]
    if shape["link_files"] and fmt == "md":
        return render_template(template, {**context(result, show_dropped), "link_files": True})
    return render(result, fmt=fmt, template=template, show_dropped=show_dropped)


def _open_view(result: Any, written: Path | None) -> None:
    """Open the HTML view in the default browser: ``written`` if the brief went there as HTML, else a temp file.

    Only on a terminal: from cron, CI or a pipe no browser should pop up.
    """
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
