"""What a run says on stderr while it works: which backend and why (once), then how far it got.

Nothing here with ``-q``. On a terminal a brief shows a ``rich`` progress bar (chunks done of
all, re-asks and tokens so far, elapsed time); otherwise one plain line per chunk and a
heartbeat while a model works, which is what cron mails and logs keep. Answers that all came
from the cache say ``(cached)``.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import click

HEARTBEAT = 15.0  # seconds without a line, off a terminal, before "still working: …"


def say(line: str) -> None:
    click.echo(f"briefer: {line}", err=True)


class Status:
    """Announces a run's backend once: what opening it does first, then backend, model and why."""

    def __init__(self, runtime: Any, quiet: bool):
        self.runtime, self.quiet, self.announced = runtime, quiet, False

    @contextlib.contextmanager
    def backend(self, store: Any = None, **options: Any) -> Iterator[Any]:
        """``runtime.backend(...)``, announced (also a digest's ``open_backend``)."""
        if not self.quiet and (step := self.runtime.first_use()):
            say(step)
        with self.runtime.backend(store, **options) as backend:
            if not self.quiet and not self.announced:
                say(self.runtime.announcement(backend.model))
                self.announced = True
            yield backend


class PlainChunks:
    """One line per chunk answered (``briefer: chunk 2/5 done``, ``(cached)`` when no model was asked).

    While a model works, a heartbeat every :data:`HEARTBEAT` seconds without another line
    (elapsed time, chunks done, tokens so far): off a terminal, minutes of silence look like a hang.
    """

    def __init__(self, label: str = "", tally: Any = None, heartbeat: float = HEARTBEAT):
        self.prefix = f"{label}: " if label else ""
        self.tally, self.heartbeat = tally, heartbeat
        self.done, self.total = 0, 0
        self.started = self.spoke = time.monotonic()
        self.stop = threading.Event()

    def __call__(self, n: int, total: int) -> None:
        self.done, self.total, self.spoke = n, total, time.monotonic()
        cached = " (cached)" if self.tally is not None and self.tally.all_cached else ""
        say(f"{self.prefix}chunk {n}/{total} done{cached}")

    def outcome(self, outcome: Any) -> None:
        """A chunk's :class:`~briefer.brief.extract.ChunkOutcome` (``brief_article``'s ``on_outcome``)."""

    def beat(self) -> None:
        """The heartbeat line, if nothing was said for ``heartbeat`` seconds."""
        now = time.monotonic()
        if now - self.spoke < self.heartbeat:
            return
        self.spoke = now
        chunks = f", chunk {self.done}/{self.total} done" if self.total else ""
        usage = self.tally.usage if self.tally is not None else None
        tokens = f", {usage.prompt_tokens}+{usage.completion_tokens} tokens so far" if usage else ""
        say(f"{self.prefix}still working: {now - self.started:.0f} s{chunks}{tokens}")

    def _beating(self) -> None:
        while not self.stop.wait(min(1.0, self.heartbeat / 4)):
            self.beat()

    def __enter__(self) -> PlainChunks:
        self.started = self.spoke = time.monotonic()
        threading.Thread(target=self._beating, name="briefer-heartbeat", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()


class BarChunks:
    """A ``rich`` bar on stderr: the article, chunks answered of all, elapsed time, re-asks, tokens."""

    def __init__(self, label: str, total: int, tally: Any = None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("briefing {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("chunks"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[reasks]} re-asks  {task.fields[tokens]} tokens"),
            transient=True,
            console=Console(stderr=True),
        )
        self.task = self.bar.add_task(label[-40:], total=total, reasks=0, tokens="0+0")
        self.reasks, self.usage, self.lock, self.tally = 0, None, threading.Lock(), tally
        self.label = label[-40:]

    def __call__(self, n: int, total: int) -> None:
        cached = " (cached)" if self.tally is not None and self.tally.all_cached else ""
        self.bar.update(self.task, completed=n, total=total, description=self.label + cached)

    def outcome(self, outcome: Any) -> None:
        """Add a chunk's re-asks and tokens (chunks may finish on several threads at once)."""
        with self.lock:
            self.reasks += outcome.counts.reasks
            self.usage = outcome.usage if self.usage is None else self.usage + outcome.usage
            tokens = f"{self.usage.prompt_tokens}+{self.usage.completion_tokens}"
            self.bar.update(self.task, reasks=self.reasks, tokens=tokens)

    def __enter__(self) -> BarChunks:
        self.bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.bar.stop()


class NoChunks(PlainChunks):
    def __call__(self, n: int, total: int) -> None:
        pass

    def __enter__(self) -> NoChunks:
        return self


def chunk_progress(
    quiet: bool, label: str, count: Any, several: bool, tally: Any = None
) -> PlainChunks | BarChunks:
    """The progress of one brief: nothing with ``-q``, a bar on a terminal, else plain lines.

    ``count`` is called for the number of chunks only when a bar needs it up front.
    """
    if quiet:
        return NoChunks()
    if sys.stderr.isatty():
        return BarChunks(label, count(), tally)
    return PlainChunks(label if several else "", tally)
