"""Several articles in one ``briefer brief``: where each brief goes, and the run over all of them.

Without ``-o`` the briefs go to stdout one after another: Markdown briefs separated by a
``* * *`` line (a Markdown rule; each brief has its own ``---`` above its footer), JSON
briefs as one JSON array. With ``-o DIR/`` (a folder: it ends in ``/``, exists, or there
are several articles) each brief is written to ``DIR/NAME.brief.md`` (``.json``,
``.html``), NAME from the file name, the URL's last path segment, or ``stdin``; the paths
written are printed. Every article is read before any is sent to the model. An article the
model fails on is one error line; the others go on, and the exit status is the first failure's.
Each article's run, done or failed, is a ``brief_runs`` row in the state (what ``briefer logs`` shows).
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from ..errors import BrieferError, InputError
from ..output.files import write_atomic

SEPARATOR = "\n* * *\n\n"


def name_for(arg: str) -> str:
    """A file name stem for the brief of ``arg``: the file's stem, the URL's last segment, or ``stdin``."""
    if arg == "-":
        return "stdin"
    if "://" in arg:
        parts = urlsplit(arg)
        segment = next((s for s in reversed(parts.path.split("/")) if s), "") or parts.hostname or "page"
        stem = Path(segment).stem or segment
    else:
        stem = Path(arg).stem
    return re.sub(r"[^\w.-]+", "-", stem).strip("-.") or "article"


@dataclass
class Target:
    """Where the briefs go: stdout, one file, or a folder of one file per article."""

    output: Path | None
    folder: bool
    fmt: str
    several: bool
    taken: set[str] = field(default_factory=set)
    pending: list[str] = field(default_factory=list)
    printed: int = 0

    @classmethod
    def of(cls, output: str | None, args: tuple[str, ...], fmt: str) -> Target:
        several = len(args) > 1
        if output is None:
            return cls(None, False, fmt, several)
        path = Path(output)
        folder = several or output.endswith(("/", "\\")) or path.is_dir()
        if folder and path.exists() and not path.is_dir():
            raise InputError(
                f"-o {output} is a file; with several articles -o names a folder (end it with /)."
            )
        return cls(path, folder, fmt, several)

    def path_for(self, arg: str) -> Path:
        """The file a brief of ``arg`` is written to (a folder's names never collide)."""
        if not self.folder:
            return self.output
        stem, n = name_for(arg), 1
        while (name := f"{stem}{'-' + str(n) if n > 1 else ''}.brief.{self.fmt}") in self.taken:
            n += 1
        self.taken.add(name)
        return self.output / name

    def put(self, arg: str, text: str) -> Path | None:
        """Write one brief (to a file, or to stdout after a separator); returns the file written."""
        if self.output is None:
            if self.fmt == "json" and self.several:
                self.pending.append(text.rstrip("\n"))
            else:
                click.echo((SEPARATOR if self.printed else "") + text, nl=False)
                self.printed += 1
            return None
        path = self.path_for(arg)
        write_atomic(path, text)
        if self.folder:
            click.echo(str(path))
        return path

    def finish(self) -> None:
        """Several JSON briefs go to stdout as one array, once all are done."""
        if self.pending:
            click.echo("[\n" + ",\n".join(self.pending) + "\n]")


def check_inputs(args: tuple[str, ...], target: Target, fmt: str, open_view: bool) -> None:
    """Refuse combinations that cannot work before anything is read."""
    several = len(args) > 1
    if several and open_view:
        raise InputError("--open shows one brief; pass one article, or open the files written with -o DIR/.")
    if several and fmt == "html" and target.output is None:
        raise InputError("Several HTML briefs need a folder: add -o DIR/ (one file per article).")
    if args.count("-") > 1:
        raise InputError("Standard input (-) can be read once; pass it once.")
    for arg in args:
        if target.output and not target.folder and arg != "-" and Path(arg).exists():
            if target.output.resolve() == Path(arg).resolve():
                raise InputError(
                    f"-o {target.output} is the article itself; write the brief to another file."
                )


def run_each(args: list[str], one, *, several: bool) -> int:
    """``one(n, arg)`` for every article; with several, a failure is one line and the others go on."""
    status = 0
    for n, arg in enumerate(args):
        try:
            one(n, arg)
        except BrieferError as exc:
            if not several:
                raise
            click.echo(f"briefer: error: {arg}: {exc}", err=True)
            status = status or exc.exit_code
    return status


@dataclass
class BriefRun:
    """What one article's run produced: its brief and where the brief went (None: stdout)."""

    started: str
    result: Any = None
    output: Path | None = None


@contextlib.contextmanager
def recorded(store: Any, backend: Any, source: str, article: Any) -> Iterator[BriefRun]:
    """Record the brief run of ``article`` in ``brief_runs`` as it ends: ``ok`` or its error's first line.

    The caller fills in the :class:`BriefRun`. A state file that cannot be used is skipped
    silently: a brief does not need it (the response cache has warned already).
    """
    from ..state.store import utc_now

    run = BriefRun(started=utc_now())
    try:
        yield run
    except (BrieferError, OSError) as exc:
        _save(store, _row(run, backend, source, article, (str(exc) or type(exc).__name__).splitlines()[0]))
        raise
    _save(store, _row(run, backend, source, article, "ok"))


def _row(run: BriefRun, backend: Any, source: str, article: Any, status: str) -> dict[str, Any]:
    from ..brief.prompts import load_prompts

    row = {"started": run.started, "source": source, "title": article.title, "status": status}
    row |= {"model": backend.model, "structured_mode": backend.structured_mode}
    row |= {"prompt_version": load_prompts().version, "output": ""}
    if run.result is None:
        return row
    meta, counts = run.result.meta, run.result.meta.counts
    dropped = [{"claim": d.claim, "reason": d.reason} for d in run.result.dropped]
    return row | {
        "model": meta.model,
        "structured_mode": meta.structured_mode,
        "prompt_version": meta.prompt_version,
        "chunks": meta.chunks,
        "prompt_tokens": meta.usage.prompt_tokens,
        "completion_tokens": meta.usage.completion_tokens,
        **{k: getattr(counts, k) for k in ("proposed", "grounded", "dropped", "reasks")},
        "facts": len(run.result.facts),
        "dropped_facts": json.dumps(dropped, ensure_ascii=False),
        "output": "" if status != "ok" else "stdout" if run.output is None else str(run.output),
    }


def _save(store: Any, row: dict[str, Any]) -> None:
    from ..state.store import StateError

    try:
        store.record_brief_run(row)
    except (StateError, sqlite3.Error):
        pass
