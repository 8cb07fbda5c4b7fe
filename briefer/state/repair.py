"""Is the state file healthy; if it is corrupt, set it aside and start afresh. Nothing is ever deleted.

:class:`~briefer.state.store.Store` notices corruption only where a query
touches a bad page; a full check reads every page (``PRAGMA quick_check``),
which is too slow for every run, so it lives here for ``briefer doctor``.
Repair moves the file (and its ``-wal``/``-shm`` companions, which belong to it
and must not be replayed into a fresh file) to ``<name>.corrupt-<UTC time>``,
where ``sqlite3 FILE .recover`` can still salvage rows, and creates a new file.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .base import StateError, is_corrupt
from .store import Store

_COMPANIONS = ("", "-wal", "-shm")


@dataclass(frozen=True)
class Health:
    status: str  # "ok", "missing", "corrupt" (repair moves it aside), "unusable" (e.g. permissions)
    detail: str


def check_state(path: Path) -> Health:
    """Read-only check of the state file; never raises and never creates or changes the file."""
    if not path.exists():
        return Health("missing", "not created yet; the first run creates it")
    try:
        with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as db:
            found = [row[0] for row in db.execute("PRAGMA quick_check")]
            if found != ["ok"]:
                return Health("corrupt", " ".join(" ".join(found).split())[:160])
            return Health("ok", _summary(db, path))
    except sqlite3.Error as exc:
        return Health("corrupt" if is_corrupt(exc) else "unusable", str(exc))


def _summary(db: sqlite3.Connection, path: Path) -> str:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    counts = [
        f"{db.execute(f'SELECT COUNT(*) FROM {table}').fetchone()[0]} {label}"
        for table, label in (("llm_cache", "cached answers"), ("briefs", "stored briefs"))
        if table in tables
    ]
    return ", ".join([f"{path.stat().st_size // 1024} KiB", *counts])


def repair_state(path: Path, now: datetime | None = None) -> Path | None:
    """Move a corrupt state file aside and create a fresh one; return where it went.

    Returns None, touching nothing, when the file is not corrupt (a missing file
    is simply created). An unusable but intact file (permissions, a lock) is not
    moved: moving would not fix it, so :class:`StateError` says what is wrong.
    """
    health = check_state(path)
    if health.status == "ok":
        return None
    if health.status == "unusable":
        raise StateError(path, health.detail, corrupt=False)
    aside = None
    if health.status == "corrupt":
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        tag = _free_tag(path, f".corrupt-{stamp}")
        for suffix in _COMPANIONS:
            source = path.with_name(path.name + suffix)
            if source.exists():
                source.rename(source.with_name(source.name + tag))
        aside = path.with_name(path.name + tag)
    Store(path).close()
    return aside


def _free_tag(path: Path, tag: str) -> str:
    """``tag``, or ``tag-2``, ``tag-3``... so that no earlier repair's files are overwritten."""
    n, candidate = 1, tag
    while any(path.with_name(path.name + s + candidate).exists() for s in _COMPANIONS):
        n += 1
        candidate = f"{tag}-{n}"
    return candidate


class UnusableStore:
    """Stands in for a :class:`Store` whose file cannot be used: every method raises its StateError.

    ``Runtime.open_store`` returns it so that the response cache, which only
    saves calls, can warn once and run without the file (``briefer brief``
    still works), while digest state, which a run cannot do without, fails
    with the one-line error on first use.
    """

    def __init__(self, error: StateError):
        self.error = error
        self.path = error.path

    def close(self) -> None:
        pass

    def __enter__(self) -> UnusableStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def fail(*args: object, **kwargs: object) -> Any:
            raise StateError(self.error.path, self.error.detail, corrupt=self.error.corrupt)

        return fail
