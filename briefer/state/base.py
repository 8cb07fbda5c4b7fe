"""What every part of the state shares: the error for an unusable file, and its timestamps.

:class:`StateError` is a one-line :class:`~briefer.errors.BrieferError` naming
the file and the fix, raised instead of a bare ``sqlite3.DatabaseError``;
timestamps are UTC ISO strings with microseconds, which sort as text.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from ..errors import BrieferError

_CORRUPT = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (primary codes)


class StateError(BrieferError):
    """The state file cannot be used; ``corrupt`` says whether moving it aside is the fix."""

    exit_code = 2

    def __init__(self, path: Path, detail: str, *, corrupt: bool):
        self.path, self.detail, self.corrupt = path, detail, corrupt
        if corrupt:
            fix = "run `briefer doctor --repair` or move it aside"
            super().__init__(f"The state file {path} is corrupt ({detail}); {fix}.")
        else:
            super().__init__(f"Cannot use the state file {path} ({detail}); check the file and its folder.")


def is_corrupt(exc: sqlite3.Error) -> bool:
    """Is this SQLite's "not a database" or "malformed" (rather than e.g. locked or read-only)?"""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _CORRUPT


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
