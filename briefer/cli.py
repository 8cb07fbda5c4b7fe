"""The ``briefer`` command: a thin shell over the library."""

from __future__ import annotations

import functools
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .backend import choose, open_backend
from .config import config_path, load_settings
from .errors import BrieferError
from .extract import ExtractOptions
from .files import write_atomic
from .pipeline import brief_article
from .render import render
from .sources import load_article

log = logging.getLogger("briefer")


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every failure into one line on stderr and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BrieferError as exc:
            click.echo(f"briefer: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("briefer: interrupted", err=True)
            sys.exit(130)
        except OSError as exc:
            click.echo(f"briefer: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - last line of defence: no raw traceback for users
            log.debug("internal error", exc_info=True)
            click.echo(f"briefer: internal error: {type(exc).__name__}: {exc} (run with -v for details)", err=True)
            sys.exit(1)

    return wrapper


def model_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that talks to an LLM."""
    options = [
        click.option("--model", help="Model name at the endpoint (default: the server's first model, or the local model)."),
        click.option("--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (or OPENAI_BASE_URL)."),
        click.option("--model-path", type=click.Path(dir_okay=False), help="A GGUF file for the local server (or BRIEFER_MODEL_PATH)."),
        click.option("--structured-mode", type=click.Choice(["auto", "json_schema", "json_object"])),
        click.option("--max-chunk-tokens", type=int, help="Token budget of one article chunk (default 1024)."),
        click.option("--max-tokens", type=int, help="Answer budget of one LLM call (default 1024)."),
        click.option("--max-reasks", type=int, help="Re-asks after invalid or ungrounded answers (default 2)."),
        click.option("--no-cache", "no_cache", is_flag=True, help="Do not read or write the LLM response cache."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: the user config dir)."),
        click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug)."),
        click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_from(kwargs: dict[str, Any]):
    verbose, quiet = kwargs.pop("verbose", 0), kwargs.pop("quiet", False)
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="briefer: %(message)s", stream=sys.stderr)
    config_file = kwargs.pop("config_file", None)
    if kwargs.pop("no_cache", False):
        kwargs["cache"] = False
    return load_settings(kwargs, path=config_file), quiet


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="briefer")
def cli() -> None:
    """Turn news articles into analyst briefs whose every statement cites its source."""


@cli.command()
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
    options = ExtractOptions(
        max_tokens=settings.max_tokens, max_reasks=settings.max_reasks,
        max_facts=settings.max_facts, temperature=settings.temperature,
    )
    progress = None if quiet else (lambda n, total: click.echo(f"briefer: chunk {n}/{total} done", err=True))
    with open_backend(settings) as backend:
        result = brief_article(source, backend, max_chunk_tokens=settings.chunk_tokens(), options=options, on_chunk=progress)
    text = render(result, fmt=fmt, template=settings.template)
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


@cli.command()
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


@cli.command()
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


def _register_digest_commands() -> None:
    from .cli_digest import register  # imports this module: registered after cli exists

    register(cli)


_register_digest_commands()


def main() -> None:
    # SIGTERM (kill, systemd stop) unwinds like Ctrl-C, so servers stop and temp files go.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    cli(prog_name="briefer")


if __name__ == "__main__":
    main()
