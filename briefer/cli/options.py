"""What every briefer command shares: one-line errors, quiet broken pipes, the LLM options, settings, logging."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..config import Settings, env_vars, load_settings
from ..errors import BrieferError
from ..runtime import LOCAL_MAX_REASKS

log = logging.getLogger("briefer")

# On the group and on every command: click caches a command's help option the first
# time it is built, so a command used outside the group must not lose ``-h``.
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
# The exit status of a run whose reader went away (``briefer doctor | head -1``): 128 + SIGPIPE,
# what a shell reports for any tool a closed pipe stops.
PIPE_CLOSED_EXIT = 141
_VARIABLES = ", ".join(v for v in env_vars() if v.startswith("BRIEFER_"))
_REASKS = Settings.model_fields["max_reasks"].default
# The epilog of every command that talks to an LLM (and so of docs/cli.md).
ENVIRONMENT_EPILOG = (
    "Environment: every setting can also come from a BRIEFER_<NAME> variable, e.g."
    " BRIEFER_MODEL=qwen2.5:7b or BRIEFER_MAX_TOKENS=512; OPENAI_API_KEY and OPENAI_BASE_URL are read"
    " as the openai SDK reads them, and BRIEFER_CONFIG names the config file. Precedence: defaults <"
    " config file < environment < command line; `briefer brief ARTICLE --dry-run` shows where each"
    f" value came from. The variables: {_VARIABLES}."
)


def pipe_closed() -> None:
    """The reader of our output went away: say nothing more, and exit as a closed pipe does."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
            pass
    sys.exit(PIPE_CLOSED_EXIT)


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
        except BrokenPipeError:
            pipe_closed()
        except OSError as exc:
            click.echo(f"briefer: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - last line of defence: no raw traceback for users
            log.debug("internal error", exc_info=True)
            click.echo(f"briefer: internal error: {type(exc).__name__}: {exc}{_details_hint()}", err=True)
            sys.exit(1)

    return wrapper


def _details_hint() -> str:
    """Where the traceback of an internal error is: ``-vv`` on the commands that have it."""
    ctx = click.get_current_context(silent=True)
    verbose = ctx is not None and any("-v" in getattr(p, "opts", ()) for p in ctx.command.params)
    return " (run with -vv for details)" if verbose else ""


def model_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that talks to an LLM."""
    options = [
        click.option(
            "-m",
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
            "--max-reasks",
            type=int,
            help=f"Re-asks after invalid or ungrounded answers (default {_REASKS}; {LOCAL_MAX_REASKS} for the embedded model).",
        ),
        click.option(
            "--language",
            metavar="CODE",
            help="The article's language, e.g. de or ja (default: auto, detected from the text).",
        ),
        click.option(
            "--answer-language",
            metavar="CODE",
            help="Write the claims in this language (default: the article's).",
        ),
        click.option(
            "--statements",
            type=click.Choice(["auto", "quote", "paraphrase"]),
            help="What a statement is: quote (the article's own sentence, chosen by the model), paraphrase"
            " (the model's claim, checked) or auto (default: paraphrase only where a judge is configured;"
            " quote with the embedded model).",
        ),
        click.option(
            "--no-cache", "no_cache", is_flag=True, help="Do not read or write the LLM response cache."
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Config file (default: BRIEFER_CONFIG, else config.toml in the user config dir).",
        ),
        click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug)."),
        click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


# What a command needs that only picks, checks or serves a backend (doctor, serve): no brief options.
BACKEND_OPTIONS = ("model", "base_url", "model_path", "structured_mode", "config_file", "verbose", "quiet")


def backend_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options of :func:`model_options` that choose and reach a backend, and the common ones."""
    shared = model_options(lambda: None).__click_params__  # type: ignore[attr-defined]
    params = getattr(func, "__click_params__", [])
    func.__click_params__ = [*params, *(p for p in shared if p.name in BACKEND_OPTIONS)]  # type: ignore[attr-defined]
    return func


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (a test runner's, or rich's while a progress bar runs)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(verbose: int, quiet: bool) -> None:
    """``briefer:`` lines on stderr: warnings, and briefer's own progress unless ``-q``; more with ``-v``.

    Undone when the command ends, so a command run in-process (tests, a library caller) leaves
    logging as it found it.
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    root, handler = logging.getLogger(), _StderrHandler()
    handler.setFormatter(logging.Formatter("briefer: %(message)s"))
    saved = [(logger, logger.level) for logger in (root, log)]
    root.addHandler(handler)
    root.setLevel(level)
    log.setLevel(logging.ERROR if quiet else min(level, logging.INFO))

    def restore() -> None:
        root.removeHandler(handler)
        for logger, was in saved:
            logger.setLevel(was)

    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(restore)


def split_options(kwargs: dict[str, Any]) -> tuple[Path | None, bool]:
    """Configure logging and take ``--config`` and ``-q`` out of ``kwargs``, leaving the setting overrides."""
    verbose, quiet = kwargs.pop("verbose", 0), kwargs.pop("quiet", False)
    configure_logging(verbose, quiet)
    if kwargs.pop("no_cache", False):
        kwargs["cache"] = False
    return kwargs.pop("config_file", None), quiet


def settings_from(kwargs: dict[str, Any]) -> tuple[Settings, bool]:
    config_file, quiet = split_options(kwargs)
    return load_settings(kwargs, path=config_file), quiet


# ``--config`` of the commands that only read the state (logs, deliver): where its data_dir is.
state_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file whose data_dir holds the state (default: BRIEFER_CONFIG, else the user config).",
)
