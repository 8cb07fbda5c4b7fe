"""``briefer doctor`` (which backend, and is it healthy) and ``briefer serve`` (the embedded model, kept warm)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .._version import __version__
from ..errors import PARTIAL_EXIT
from .options import CONTEXT_SETTINGS, ENVIRONMENT_EPILOG, backend_options, handle_errors, settings_from


@click.command(context_settings=CONTEXT_SETTINGS, epilog=ENVIRONMENT_EPILOG)
@click.argument(
    "digest_config", metavar="[CONFIG]", required=False, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--send-test",
    is_flag=True,
    help="With CONFIG: send each [deliver] destination a short test message (otherwise nothing is sent).",
)
@click.option(
    "--repair",
    is_flag=True,
    help="Move a corrupt state file aside (to NAME.corrupt-TIME, never deleted) and start a fresh one.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Do not start the embedded model to ask it a question: check only its engine and model file.",
)
@backend_options
@handle_errors
def doctor(digest_config: Path | None, send_test: bool, repair: bool, quick: bool, **kwargs: Any) -> None:
    """Show which backend briefer would use and why, and check it and the state file.

    With a digest CONFIG, also check each of its [deliver] destinations (credentials redacted): the
    URL is one Apprise knows and its host accepts a connection; nothing is sent unless --send-test.

    Only what the chosen backend needs is checked; the embedded model is started and asked one tiny
    question, and the answer's time shown (not with --quick). Exit status: 0 it can answer; 3 it cannot (the
    server refuses connections or lists no model, or the embedded model has no engine or model
    file); 2 bad configuration (a --config file that does not exist, say); 4 the backend can answer
    but a destination of CONFIG cannot be reached.
    """
    from ..errors import LLMError
    from ..llm.select import choose
    from .checks import ask_model, check_backend

    config_file = kwargs.get("config_file")
    settings, _ = settings_from(kwargs)
    choice = choose(settings)
    rows = [
        ("briefer", __version__),
        ("python", sys.version.split()[0]),
        ("backend", f"{choice.kind.value}: {choice.reason}"),
    ]
    backend_rows, problem = check_backend(settings, choice.kind.value)
    if not (problem or quick) and choice.kind.value == "local":
        answer_rows, problem = ask_model(settings, choice.kind.value)
        backend_rows += answer_rows
    rows += [*backend_rows, ("config file", _config_row(config_file))]
    rows += _state_rows(settings.state_path(), repair)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name:<{width}}  {value}")
    undelivered = _check_destinations(digest_config, send_test, width) if digest_config else 0
    if problem:
        raise LLMError(f"the {choice.kind.value} backend cannot answer: {problem}")
    if undelivered:
        click.echo(
            f"briefer: {undelivered} destination(s) of {digest_config} cannot be delivered to", err=True
        )
        sys.exit(PARTIAL_EXIT)


def _check_destinations(path: Path, send_test: bool, width: int) -> int:
    """One line per destination of the digest config at ``path``; the number that failed."""
    from ..digest.config import load_digest_config
    from ..digest.deliver import check_destinations

    rows = check_destinations(load_digest_config(path), send_test=send_test)
    done = "test message sent" if send_test else "reachable (nothing sent)"
    for name, problem in rows:
        click.echo(
            f"{'deliver':<{width}}  {name}  {(problem or done).removeprefix(name.split(' (')[0] + ': ')}"
        )
    if not rows:
        click.echo(f"{'deliver':<{width}}  {path} has no [deliver] destinations")
    return sum(problem is not None for _, problem in rows)


def _config_row(config_file: Path | None) -> str:
    """The config file actually read, and how it was chosen."""
    import os

    from ..config import config_path

    if config_file is not None:
        return f"{config_file} (--config)"
    path = config_path()
    how = "BRIEFER_CONFIG" if os.environ.get("BRIEFER_CONFIG") else "default location"
    return f"{path} ({how}{'' if path.is_file() else '; not present, so defaults'})"


def _state_rows(path: Path, repair: bool) -> list[tuple[str, str]]:
    """The state file and its health; with ``repair``, a corrupt one is moved aside first."""
    from ..state.repair import check_state, repair_state

    rows = [("state", str(path))]
    if repair:
        aside = repair_state(path)
        done = f"moved the corrupt file to {aside} and created a fresh one" if aside else "nothing to repair"
        rows.append(("repair", done))
    health = check_state(path)
    hint = " (run `briefer doctor --repair`)" if health.status == "corrupt" else ""
    return [*rows, ("state health", f"{health.status}: {health.detail}{hint}")]


@click.command(context_settings=CONTEXT_SETTINGS, epilog=ENVIRONMENT_EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@backend_options
@handle_errors
def serve(host: str, port: int, **kwargs: Any) -> None:
    """Run the embedded model server in the foreground (point --base-url at it to keep it warm)."""
    from ..llm.local.model import resolve_model
    from ..llm.local.server import LocalServer

    settings, _ = settings_from(kwargs)
    info = resolve_model(settings.model_path, settings.model_cache_dir())
    server = LocalServer(info.path, n_ctx=settings.n_ctx, n_threads=settings.n_threads, host=host, port=port)
    with server:
        server.start()
        click.echo(f"briefer: serving {info.path.name} at {server.base_url} (Ctrl-C to stop)", err=True)
        click.echo(f"briefer: use it with: briefer brief ARTICLE --base-url {server.base_url}", err=True)
        server.wait()
