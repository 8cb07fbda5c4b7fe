"""A :class:`~briefer.state.store.Store` that opens its file on first use.

With the response cache off, a brief only touches the state to log its run
(``briefer logs``) when it ends; opening (and on first use creating and
migrating) the SQLite file then waits until that moment, and a library caller
that never logs never opens it. A file that cannot be used becomes an
:class:`~briefer.state.repair.UnusableStore` on first use, as
``Runtime.open_store`` does at once for a run that uses the cache.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .base import StateError
from .repair import UnusableStore
from .store import Store


class LazyStore:
    """Stands in for a :class:`Store`; the first method called opens it (once, whatever the thread)."""

    def __init__(self, path: Path):
        self.path = path
        self._store: Store | UnusableStore | None = None
        self._opening = threading.Lock()

    def _open(self) -> Store | UnusableStore:
        with self._opening:
            if self._store is None:
                try:
                    self._store = Store(self.path)
                except StateError as exc:
                    self._store = UnusableStore(exc)
            return self._store

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._open(), name)

    @property
    def opened(self) -> bool:
        return self._store is not None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> LazyStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
