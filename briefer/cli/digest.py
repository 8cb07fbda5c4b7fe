"""``briefer digest`` and ``briefer schedule``: thin click shells over :mod:`briefer.digest` and :mod:`briefer.schedule`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..digest.config import DigestConfig, digest_settings, load_digest_config
from ..digest.run import LogProgress, run_digest
from ..digest.schedule import Scheduler, crontab_line, systemd_units
from ..errors import PARTIAL_EXIT, ConfigError
from ..runtime import Runtime
from .options import CONTEXT_SETTINGS, handle_errors, model_options, settings_from

CONFIG = click.Path(exists=False, dir_okay=False, path_type=Path)


class BarProgress:
    """A rich progress bar on stderr, for a terminal."""

    def __init__(self) -> None:
        self.bar = Progress(
            TextColumn("briefing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[last]}"),
            transient=True,
            console=Console(stderr=True),
        )
        self.task = None

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("articles", total=total, last="")

    def advance(self, label: str, outcome: str) -> None:
        self.bar.update(self.task, advance=1, last=f"{outcome}: {label}"[-60:])

    def finish(self) -> None:
        self.bar.stop()


def _progress(quiet: bool):
    if quiet:
        return LogProgress()
    return BarProgress() if sys.stderr.isatty() else LogProgress()


def _prepare(config_path: Path, kwargs: dict[str, Any]) -> tuple[DigestConfig, Runtime, bool]:
    """Logging as for every command, plus digest progress lines unless --quiet; then the config and its settings."""
    config_file, quiet = kwargs.get("config_file"), bool(kwargs.get("quiet"))
    settings_from(kwargs)  # leaves only the command-line setting overrides in kwargs
    if not quiet:
        for name in ("briefer.digest", "briefer.schedule"):
            logging.getLogger(name).setLevel(logging.INFO)
    config = load_digest_config(config_path)
    settings = digest_settings(config, kwargs, path=config_file)
    return config, Runtime.resolve(settings, concurrency=config.concurrency), quiet


def _run_once(config: DigestConfig, runtime: Runtime, quiet: bool) -> int:
    """One run; the exit code: 0 when everything is covered, PARTIAL_EXIT when some of it is not."""
    result = run_digest(config, runtime, progress=_progress(quiet))
    if not quiet:
        click.echo(str(result.markdown_path))
        for problem in result.digest.not_covered:
            click.echo(f"briefer: not covered: {problem.source}: {problem.reason}", err=True)
    return PARTIAL_EXIT if result.status == "partial" else 0


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("config_path", metavar="CONFIG", type=CONFIG)
@model_options
@handle_errors
def digest(config_path: Path, **kwargs: Any) -> None:
    """Write today's digest of the sources in CONFIG (a TOML file) to OUTPUT/YYYY-MM-DD.md and .json.

    Exit status: 0 everything covered; 4 written, but some sources or articles are not covered (listed
    in it); 3 nothing could be briefed (nothing written; an earlier digest of the day is kept); 2 bad
    config; 1 another failure.
    """
    config, runtime, quiet = _prepare(config_path, kwargs)
    sys.exit(_run_once(config, runtime, quiet))


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("config_path", metavar="CONFIG", type=CONFIG)
@click.option(
    "--print-cron",
    is_flag=True,
    help="Print a crontab line and systemd service/timer units instead of running.",
)
@model_options
@handle_errors
def schedule(config_path: Path, print_cron: bool, **kwargs: Any) -> None:
    """Run CONFIG's digest at its [schedule] cron times, in the foreground (catches up one missed run)."""
    config, runtime, quiet = _prepare(config_path, kwargs)
    if config.schedule is None:
        raise ConfigError(
            f'{config_path} has no [schedule] table; add cron = "0 7 * * *" and timezone = "Europe/Berlin".'
        )
    cron, zone = config.schedule.cron, config.schedule.timezone
    if print_cron:
        click.echo(crontab_line(config_path, cron, zone))
        try:
            click.echo(systemd_units(config_path, config.name, cron, zone), nl=False)
        except ConfigError as exc:
            click.echo(f"# no systemd timer: {exc}")
        return
    with runtime.open_store() as store:
        Scheduler(
            config.key, cron, config.schedule.zone, lambda slot: _run_once(config, runtime, quiet), store
        ).serve()
