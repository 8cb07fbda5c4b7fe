"""The ``briefer`` command group. Each command lives in its own module and imports its work lazily."""

from __future__ import annotations

import signal
import sys

import click

from .._version import __version__
from .brief import brief
from .check import check
from .deliver import deliver
from .digest import digest, schedule
from .doctor import doctor, serve
from .logs import logs
from .options import CONTEXT_SETTINGS, pipe_closed
from .templates import templates
from .verify import verify


@click.group(context_settings=CONTEXT_SETTINGS, invoke_without_command=True)
@click.version_option(__version__, prog_name="briefer")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Turn news articles into analyst briefs whose every statement cites its source."""
    if ctx.invoked_subcommand is None:  # bare `briefer`: the help, on stdout, and success
        click.echo(ctx.get_help())


for command in (brief, check, doctor, serve, digest, schedule, deliver, templates, verify, logs):
    cli.add_command(command)


def main() -> None:
    # SIGTERM (kill, systemd stop) unwinds like Ctrl-C, so servers stop and temp files go.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        cli(prog_name="briefer")
    except SystemExit:
        _flush()
        raise


def _flush() -> None:
    """Flush stdout now, so a reader that went away ends us quietly rather than at interpreter exit.

    Click itself turns a broken pipe outside a command (``--help | head -1``) into exit 1 behind
    a ``PacifyFlushWrapper``; that too ends as a closed pipe.
    """
    from click.utils import PacifyFlushWrapper

    if isinstance(sys.stdout, PacifyFlushWrapper):
        pipe_closed()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pipe_closed()


if __name__ == "__main__":
    main()
