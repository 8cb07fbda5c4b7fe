"""Atomic file output: a crash or an error never leaves a half-written file.

A file is written to a temp file beside it, fsynced, then renamed over it.
Its text may come as one string or as a stream of chunks (a template's
``generate()``, a JSON document an item at a time), so a large page is never
held whole in memory, as a string or encoded. Several files can be written
as one: each goes to its temp file, and only when all are complete are they
renamed, so an error in the last leaves the earlier ones as they were.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

_BUFFER = 1 << 16  # bytes buffered before a write: chunks are often a few characters


def write_atomic(path: Path | str, text: str | Iterable[str]) -> None:
    """Write ``text`` (a string, or its chunks in order) to a temp file beside ``path``, then rename it."""
    write_all_atomic([(path, text)])


def write_all_atomic(files: Iterable[tuple[Path | str, str | Iterable[str]]]) -> None:
    """Write every ``(path, text)`` to its temp file; rename them all only if every one was written.

    On any error (a chunk that raises, a full disk) every temp file is removed
    and no ``path`` is touched. The renames themselves come one after another.
    """
    done: list[tuple[str, Path]] = []
    try:
        for path, text in files:
            path = Path(path)
            done.append((_write_temp(path, [text] if isinstance(text, str) else text), path))
        for tmp, path in done:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in done:
            Path(tmp).unlink(missing_ok=True)
        raise


def _write_temp(path: Path, chunks: Iterable[str]) -> str:
    """The chunks in a new temp file beside ``path``, fsynced, with the umask's permissions; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=_BUFFER) as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; output should follow the umask
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def one_final_newline(chunks: Iterable[str]) -> Iterator[str]:
    """The chunks with trailing newlines replaced by exactly one: ``text.rstrip("\\n") + "\\n"``, streamed."""
    held = ""  # newlines that end what was seen so far: dropped if nothing follows them
    for chunk in chunks:
        chunk = str(chunk)  # plain text: a template's Markup chunk would escape what is added to it
        body = chunk.rstrip("\n")
        if body:
            yield held + body
            held = chunk[len(body) :]
        else:
            held += chunk
    yield "\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
