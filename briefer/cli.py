"""The ``briefer`` command: a thin shell over the library."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .backend import choose, open_backend
from .cli_digest import register as register_digest_commands
from .cli_options import CONTEXT_SETTINGS, handle_errors, model_options, settings_from
from .config import config_path
from .extract import ExtractOptions
from .files import write_atomic
from .pipeline import brief_article
from .render import render
from .sources import load_article

@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="briefer")
def cli() -> None:
    """Turn news articles into analyst briefs whose every statement cites its source."""


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("article")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here (atomically) instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--template", help="Built-in template name (brief, summary) or path to a .j2 file.")
@model_options
@handle_errors
def brief(article: str, output: Path | None, fmt: str, **kwargs: Any) -> None:
    """Brief one ARTICLE: a file, an http(s) URL, or - for stdin."""
    settings, quiet = settings_from(kwargs)
    source = load_article(article)
    options = ExtractOptions.from_settings(settings)
    progress = None if quiet else (lambda n, total: click.echo(f"briefer: chunk {n}/{total} done", err=True))
    with open_backend(settings) as backend:
        result = brief_article(source, backend, max_chunk_tokens=settings.chunk_tokens(), options=options, on_chunk=progress)
    text = render(result, fmt=fmt, template=settings.template)
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


@cli.command(context_settings=CONTEXT_SETTINGS)
@model_options
@handle_errors
def doctor(**kwargs: Any) -> None:
    """Show which backend briefer would use and why, and check it."""
    from . import local

    settings, _ = settings_from(kwargs)
    choice = choose(settings)
    rows = [("briefer", __version__), ("python", sys.version.split()[0]), ("backend", f"{choice.kind}: {choice.reason}")]
    if choice.kind == "remote":
        rows.append(("server", local.server_health(settings.base_url or "https://api.openai.com/v1")[1]))
    rows += local.doctor_info(settings.model_path, settings.model_cache_dir())
    rows += [("config file", str(config_path())), ("state", str(settings.state_dir() / "briefer.sqlite3"))]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name:<{width}}  {value}")


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@model_options
@handle_errors
def serve(host: str, port: int, **kwargs: Any) -> None:
    """Run the embedded model server in the foreground (point --base-url at it to keep it warm)."""
    from . import local

    settings, _ = settings_from(kwargs)
    info = local.resolve_model(settings.model_path, settings.model_cache_dir())
    server = local.LocalServer(info.path, n_ctx=settings.n_ctx, n_threads=settings.n_threads, host=host, port=port)
    with server:
        server.start()
        click.echo(f"briefer: serving {info.path.name} at {server.base_url} (Ctrl-C to stop)", err=True)
        click.echo(f"briefer: use it with: briefer brief ARTICLE --base-url {server.base_url}", err=True)
        server.wait()


register_digest_commands(cli)


def main() -> None:
    # SIGTERM (kill, systemd stop) unwinds like Ctrl-C, so servers stop and temp files go.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    cli(prog_name="briefer")


if __name__ == "__main__":
    main()
