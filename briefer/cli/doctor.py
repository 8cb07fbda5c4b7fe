"""``briefer doctor`` (which backend, and is it healthy) and ``briefer serve`` (the embedded model, kept warm)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .._version import __version__
from .options import CONTEXT_SETTINGS, handle_errors, model_options, settings_from


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--repair",
    is_flag=True,
    help="Move a corrupt state file aside (to NAME.corrupt-TIME, never deleted) and start a fresh one.",
)
@model_options
@handle_errors
def doctor(repair: bool, **kwargs: Any) -> None:
    """Show which backend briefer would use and why, and check it and the state file."""
    from ..config import config_path
    from ..llm.select import backend_module, choose

    settings, _ = settings_from(kwargs)
    choice = choose(settings)
    rows = [
        ("briefer", __version__),
        ("python", sys.version.split()[0]),
        ("backend", f"{choice.kind.value}: {choice.reason}"),
    ]
    rows += backend_module(choice.kind).doctor_rows(settings)
    rows += [("config file", str(config_path())), *_state_rows(settings.state_path(), repair)]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name:<{width}}  {value}")


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


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@model_options
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
