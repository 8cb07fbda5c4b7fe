"""The ``briefer`` command group. Each command lives in its own module and imports its work lazily."""

from __future__ import annotations

import signal
import sys

import click

from .._version import __version__
from .brief import brief
from .digest import digest, schedule
from .doctor import doctor, serve
from .options import CONTEXT_SETTINGS
from .verify import verify


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="briefer")
def cli() -> None:
    """Turn news articles into analyst briefs whose every statement cites its source."""


for command in (brief, doctor, serve, digest, schedule, verify):
    cli.add_command(command)


def main() -> None:
    # SIGTERM (kill, systemd stop) unwinds like Ctrl-C, so servers stop and temp files go.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    cli(prog_name="briefer")


if __name__ == "__main__":
    main()
