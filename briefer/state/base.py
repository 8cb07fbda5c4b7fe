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
# SQLITE_READONLY's messages, and SQLITE_CANTOPEN's when the folder refuses a journal or the file.
_UNWRITABLE = ("readonly database", "read-only", "unable to open database file", "Permission denied")


class StateError(BrieferError):
    """The state file cannot be used; ``corrupt`` says whether moving it aside is the fix.

    A file that cannot be written (read-only, or in a folder that is) says so, with the two fixes.
    """

    exit_code = 2

    def __init__(self, path: Path, detail: str, *, corrupt: bool):
        self.path, self.detail, self.corrupt = path, detail, corrupt
        if corrupt:
            fix = "run `briefer doctor --repair` or move it aside"
            super().__init__(f"The state file {path} is corrupt ({detail}); {fix}.")
        elif is_unwritable_detail(detail):
            fix = "make it (and its folder) writable, or set BRIEFER_DATA_DIR to a folder you can write"
            super().__init__(f"The state file {path} cannot be written ({detail}): {fix}.")
        else:
            super().__init__(f"Cannot use the state file {path} ({detail}); check the file and its folder.")

    @classmethod
    def of(cls, path: Path, exc: sqlite3.Error) -> StateError:
        """The error for what SQLite raised on ``path``."""
        return cls(path, str(exc), corrupt=is_corrupt(exc))


def is_corrupt(exc: sqlite3.Error) -> bool:
    """Is this SQLite's "not a database" or "malformed" (rather than e.g. locked or read-only)?"""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _CORRUPT


def is_unwritable_detail(detail: str) -> bool:
    """Does SQLite's message say the file (or its folder, for the journal) cannot be written?"""
    return any(words in detail for words in _UNWRITABLE)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
