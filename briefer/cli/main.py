"""The ``briefer`` command group. Each command lives in its own module and imports its work lazily."""

from __future__ import annotations

import signal
import sys
from typing import Any

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


class _UsageError(click.UsageError):
    """click's usage errors, shown as briefer's own errors are: one ``briefer: error: …`` line."""

    def show(self, file: object = None) -> None:
        hint = f" (see '{self.ctx.command_path} --help')" if self.ctx else ""
        click.echo(f"briefer: error: {self.format_message().rstrip('.')}{hint}", err=True)


class _Group(click.Group):
    """The command group: its and its commands' usage errors are :class:`_UsageError`."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            raise _UsageError(exc.format_message(), exc.ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _UsageError:
            raise
        except click.UsageError as exc:
            raise _UsageError(exc.format_message(), exc.ctx) from None


# One line each in `briefer --help`, written to fit: click would cut each command's docstring.
SHORT_HELP = {
    "brief": "Brief articles (files, URLs, - for stdin); every statement cited.",
    "check": "Judge whether a sentence follows from an article, and show why.",
    "doctor": "Show the chosen backend and why; check it and the state file.",
    "serve": "Run the embedded model server in the foreground (keeps it warm).",
    "digest": "Write today's digest of the sources in a config file.",
    "schedule": "Run a config's digest at its cron times, or print cron lines.",
    "deliver": "Send a day's digest to the config's [deliver] destinations.",
    "templates": "List the built-in templates, or show a template's variables.",
    "verify": "Re-check a brief's or a digest's JSON against its sources.",
    "logs": "The most recent runs, briefs and digests, newest first.",
}


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS, invoke_without_command=True)
@click.version_option(__version__, prog_name="briefer")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Turn news articles into analyst briefs whose every statement cites its source."""
    if ctx.invoked_subcommand is None:  # bare `briefer`: the help, on stdout, and success
        click.echo(ctx.get_help())


for command in (brief, check, doctor, serve, digest, schedule, deliver, templates, verify, logs):
    command.short_help = SHORT_HELP[command.name]
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
