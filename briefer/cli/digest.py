"""``briefer digest`` and ``briefer schedule``: thin click shells over :mod:`briefer.digest`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .options import CONTEXT_SETTINGS, ENVIRONMENT_EPILOG, handle_errors, model_options, split_options

CONFIG = click.Path(exists=False, dir_okay=False, path_type=Path)


class BarProgress:
    """A rich progress bar on stderr, for a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
    from ..digest.progress import LogProgress

    if quiet:
        return LogProgress()
    return BarProgress() if sys.stderr.isatty() else LogProgress()


def _prepare(config_path: Path, kwargs: dict[str, Any]):
    """Logging as for every command; the config; its settings, each knowing where it came from."""
    from ..digest.config import digest_settings, load_digest_config
    from ..runtime import Runtime

    config_file, quiet = split_options(kwargs)
    config = load_digest_config(config_path)
    settings = digest_settings(config, kwargs, path=config_file, where=str(config_path))
    return config, Runtime.resolve(settings, concurrency=config.concurrency), quiet, config_file


def _run_once(config: Any, runtime: Any, quiet: bool) -> int:
    """One run; the exit code: 0 when everything is covered, PARTIAL_EXIT when some of it is not."""
    from ..digest.run import run_digest
    from ..errors import PARTIAL_EXIT
    from .progress import Status

    _say_model_change(config, runtime)
    status = Status(runtime, quiet)
    result = run_digest(config, runtime, progress=_progress(quiet), open_backend=status.backend)
    if not quiet:
        click.echo(str(result.markdown_path))
        for problem in result.not_covered:
            click.echo(f"briefer: not covered: {problem.source}: {problem.reason}", err=True)
    for o in result.deliveries:  # also with -q: a reader did not get the digest
        if o.status == "failed":
            click.echo(f"briefer: not delivered: {o.detail}", err=True)
    return PARTIAL_EXIT if result.status == "partial" else 0


def _say_model_change(config: Any, runtime: Any) -> None:
    """Before a same-day re-run starts: a different model than today's digest had (also with -q)."""
    from datetime import UTC, datetime

    from ..digest.keep import model_change
    from ..llm.select import BackendKind

    day = datetime.now(UTC).astimezone(config.zone()).date().isoformat()
    embedded = runtime.kind is BackendKind.local
    change = model_change(config.output_dir / f"{day}.json", runtime.expected_model(), embedded)
    if change:
        click.echo(f"briefer: {change}", err=True)


@click.command(context_settings=CONTEXT_SETTINGS, epilog=ENVIRONMENT_EPILOG)
@click.argument("config_path", metavar="CONFIG", type=CONFIG)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show backend, model, every setting and where it came from, sources and output; send nothing.",
)
@model_options
@handle_errors
def digest(config_path: Path, dry_run: bool, **kwargs: Any) -> None:
    """Write today's digest of the sources in CONFIG (a TOML file) to OUTPUT/YYYY-MM-DD.md and .json.

    Exit status: 0 everything covered; 4 written, but some sources or articles are not covered (listed
    in it); 3 nothing could be briefed (nothing written; an earlier digest of the day is kept); 2 bad
    config; 1 another failure.
    """
    config, runtime, quiet, _ = _prepare(config_path, kwargs)
    if dry_run:
        from .dryrun import digest_report

        click.echo(digest_report(runtime, config, config_path), nl=False)
        return
    sys.exit(_run_once(config, runtime, quiet))


@click.command(context_settings=CONTEXT_SETTINGS, epilog=ENVIRONMENT_EPILOG)
@click.argument("config_path", metavar="CONFIG", type=CONFIG)
@click.option(
    "--print-cron",
    is_flag=True,
    help="Print a crontab line and systemd service/timer units instead of running; both read their"
    " environment from --env-file.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --print-cron: the VAR=value file the units read (default: env in the user config dir).",
)
@model_options
@handle_errors
def schedule(config_path: Path, print_cron: bool, env_file: Path | None, **kwargs: Any) -> None:
    """Run CONFIG's digest at its [schedule] cron times, in the foreground (catches up one missed run).

    With --print-cron: a crontab line and systemd units instead, which set TZ for briefer alone and
    append its errors to schedule.log in the state directory (`briefer logs` names it).
    """
    from ..digest import schedule as units
    from ..digest.schedule import Scheduler
    from ..errors import ConfigError

    config, runtime, quiet, config_file = _prepare(config_path, kwargs)
    if config.schedule is None:
        raise ConfigError(
            f'{config_path} has no [schedule] table; add cron = "0 7 * * *" and timezone = "Europe/Berlin".'
        )
    if print_cron:
        log_file = units.schedule_log_path(runtime.settings.state_dir())
        return _print_units(config_path, config, env_file, config_file, log_file)
    with runtime.open_store() as store:
        Scheduler(
            config.key,
            config.schedule.cron,
            config.schedule.zone,
            lambda slot: _run_once(config, runtime, quiet),
            store,
        ).serve()


def _print_units(
    config_path: Path, config: Any, env_file: Path | None, config_file: Path | None, log_file: Path
) -> None:
    """A crontab line and systemd units that read the environment from ``env_file``, and what to put there."""
    from ..digest import schedule as units
    from ..errors import ConfigError

    env_file = (env_file or units.env_file_path()).expanduser().resolve()
    log_file.parent.mkdir(parents=True, exist_ok=True)  # the shell opens 2>> before briefer runs
    needed = units.needed_environment()
    wanted = [d.env_name for d in config.deliver.to if d.env_name] if config.deliver else []
    cron, zone, required = config.schedule.cron, config.schedule.timezone, bool(needed or wanted)
    click.echo(units.environment_notes(env_file, needed), nl=not wanted)
    if wanted:  # the destinations' URLs, secrets included, belong in that file, not in the TOML
        click.echo(f"# [deliver] reads {', '.join(wanted)}: put each destination's URL there.\n")
    click.echo(
        units.crontab_line(
            config_path, cron, zone, env_file, required=required, config_file=config_file, log_file=log_file
        )
    )
    try:
        text = units.systemd_units(
            config_path,
            config.name,
            cron,
            zone,
            env_file,
            required=required,
            config_file=config_file,
            log_file=log_file,
        )
        click.echo(text, nl=False)
    except ConfigError as exc:
        click.echo(f"# no systemd timer: {exc}")
