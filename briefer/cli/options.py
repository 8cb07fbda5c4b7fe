"""What every briefer command shares: one-line errors, the LLM options, settings and logging."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..config import Settings, load_settings
from ..errors import BrieferError

log = logging.getLogger("briefer")

# On the group and on every command: click caches a command's help option the first
# time it is built, so a command used outside the group must not lose ``-h``.
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


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
            click.echo(
                f"briefer: internal error: {type(exc).__name__}: {exc} (run with -v for details)", err=True
            )
            sys.exit(1)

    return wrapper


def model_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that talks to an LLM."""
    options = [
        click.option(
            "--model",
            help="Model name at the endpoint (default: the server's first model, or the local model).",
        ),
        click.option(
            "--base-url",
            help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (or OPENAI_BASE_URL).",
        ),
        click.option(
            "--model-path",
            type=click.Path(dir_okay=False),
            help="A GGUF file for the local server (or BRIEFER_MODEL_PATH).",
        ),
        click.option(
            "--structured-mode",
            type=click.Choice(["auto", "json_schema", "json_object"]),
            help="Structured-output request shape (default: json_object locally, auto for a server).",
        ),
        click.option(
            "--max-chunk-tokens",
            type=int,
            help="Token budget of one article chunk (default 300 for the local model, 1500 for a server).",
        ),
        click.option("--max-tokens", type=int, help="Answer budget of one LLM call (default 1024)."),
        click.option(
            "--max-reasks", type=int, help="Re-asks after invalid or ungrounded answers (default 2)."
        ),
        click.option(
            "--no-cache", "no_cache", is_flag=True, help="Do not read or write the LLM response cache."
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Config file (default: the user config dir).",
        ),
        click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug)."),
        click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_from(kwargs: dict[str, Any]) -> tuple[Settings, bool]:
    verbose, quiet = kwargs.pop("verbose", 0), kwargs.pop("quiet", False)
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="briefer: %(message)s", stream=sys.stderr)
    config_file = kwargs.pop("config_file", None)
    if kwargs.pop("no_cache", False):
        kwargs["cache"] = False
    return load_settings(kwargs, path=config_file), quiet
