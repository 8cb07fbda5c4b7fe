"""``briefer deliver``: send a written digest day to the config's destinations by hand."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from .options import CONTEXT_SETTINGS, handle_errors, split_options, state_config_option

CONFIG = click.Path(exists=False, dir_okay=False, path_type=Path)


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("config_path", metavar="CONFIG", type=CONFIG)
@click.argument("day", metavar="[DAY]", required=False)
@click.option(
    "--dry-run", is_flag=True, help="Show what would go where (credentials redacted); send nothing."
)
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@state_config_option
@handle_errors
def deliver(config_path: Path, day: str | None, dry_run: bool, **kwargs: Any) -> None:
    """Send DAY's digest (default: today's, in the schedule's time zone) to every [deliver] destination.

    Sends again to destinations that had the day already. Each destination gets one line: sent, failed
    and why, or (--dry-run) the message it would get. Exit status: 0 all sent; 4 some destination
    failed (it is tried again by the next digest run); 2 bad config or no digest of DAY.
    """
    from ..config import load_settings
    from ..digest.config import load_digest_config
    from ..digest.deliver import deliver as send_day
    from ..digest.deliver import load_day
    from ..digest.lock import config_lock
    from ..errors import PARTIAL_EXIT, ConfigError, InputError
    from ..state.store import Store

    config_file, _ = split_options(kwargs)
    config = load_digest_config(config_path)
    if config.deliver is None:
        raise ConfigError(f'{config_path} has no [deliver] table; add to = ["mailtos://…"] (Apprise URLs).')
    if day is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise InputError(f"{day!r} is not a day: give it as YYYY-MM-DD, e.g. 2026-12-05.")
    day = day or _today(config)
    load_day(config, day)  # no digest of that day: one clear line before anything is opened
    settings = load_settings({}, path=config_file)
    with config_lock(str(config.output_dir.resolve()), settings), Store(settings.state_path()) as store:
        outcomes = send_day(config, store, day, force=True, dry_run=dry_run)
    for o in outcomes:
        click.echo(f"{o.day}  {o.status:<7}  {o.destination}  {o.detail.removeprefix(o.destination + ': ')}")
    if any(o.status == "failed" for o in outcomes):
        sys.exit(PARTIAL_EXIT)


def _today(config: Any) -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).astimezone(config.zone()).date().isoformat()
