"""One digest run per config at a time: an OS file lock the kernel drops if the process dies."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path

import filelock

from ..config import Settings
from ..errors import BrieferError
from ..state.base import StateError


def lock_path(key: str, settings: Settings) -> Path:
    return settings.state_dir() / "locks" / f"digest-{hashlib.sha256(key.encode()).hexdigest()[:16]}.lock"


@contextlib.contextmanager
def config_lock(key: str, settings: Settings) -> Iterator[None]:
    """Hold the config's lock file for the run; the OS drops the lock if the process dies."""
    path = lock_path(key, settings)
    lock = filelock.FileLock(str(path), timeout=0, is_singleton=False, thread_local=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except PermissionError as exc:  # a read-only data folder: one line naming it and the fix
        raise StateError(path, f"{exc.strerror}", corrupt=False) from None
    except filelock.Timeout:
        raise BrieferError(
            f"Another digest of {key} is running (lock {path}); wait for it to finish."
        ) from None
    try:
        yield
    finally:
        lock.release()
