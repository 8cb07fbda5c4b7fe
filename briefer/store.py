"""briefer's state: one SQLite file in the user data directory.

Storage design
--------------
- ``migrations``: the names of the schema steps applied, in order. Steps are
  plain functions in ``MIGRATIONS``; a step runs once, inside a transaction,
  and is recorded by name, so old databases upgrade in place and a new step is
  simply appended to the list.
- ``llm_cache``: one row per LLM request ever answered, keyed by the sha256 of
  the model, the structured-output mode and the full request (messages, which
  hold the prompt version and the chunk text; schema; token budget;
  temperature). A hit returns the stored content, finish reason and usage, so
  a re-run makes no call and renders byte-identical output (usage included).
- Digest state (articles seen, briefs, runs) lives in later steps of the same
  list.

The database is opened in WAL mode so a digest's worker threads and a reader
can share it; every write is its own short transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from .llm import Backend, ChatRequest, ChatResult
from .models import Usage


def _create_llm_cache(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE llm_cache (
            key TEXT PRIMARY KEY,
            model TEXT NOT NULL,
            content TEXT NOT NULL,
            finish_reason TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            created TEXT NOT NULL DEFAULT (datetime('now'))
        )"""
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_create_llm_cache]


def migrate(db: sqlite3.Connection, migrations: list[Callable[[sqlite3.Connection], None]] | None = None) -> list[str]:
    """Apply the steps not yet recorded; return the names applied now."""
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL DEFAULT (datetime('now')))")
    done = {row[0] for row in db.execute("SELECT name FROM migrations")}
    applied = []
    for step in migrations if migrations is not None else MIGRATIONS:
        if step.__name__ in done:
            continue
        with db:
            step(db)
            db.execute("INSERT INTO migrations (name) VALUES (?)", (step.__name__,))
        applied.append(step.__name__)
    return applied


class Store:
    """A thread-safe handle on the SQLite file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self.lock = threading.RLock()
        if str(path) != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
        with self.lock:
            migrate(self.db)

    def close(self) -> None:
        self.db.close()

    def cache_get(self, key: str) -> ChatResult | None:
        with self.lock:
            row = self.db.execute(
                "SELECT content, finish_reason, prompt_tokens, completion_tokens FROM llm_cache WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        usage = Usage(prompt_tokens=row[2], completion_tokens=row[3])
        return ChatResult(content=row[0], finish_reason=row[1], usage=usage, cached=True)

    def cache_put(self, key: str, model: str, result: ChatResult) -> None:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO llm_cache (key, model, content, finish_reason, prompt_tokens, completion_tokens)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, model, result.content, result.finish_reason, result.usage.prompt_tokens, result.usage.completion_tokens),
            )


def cache_key(model: str, mode: str, request: ChatRequest) -> str:
    payload = json.dumps({"model": model, "mode": mode, "request": request.fingerprint()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class CachingBackend:
    """Answers repeated requests from the store; counts real calls in ``calls``."""

    def __init__(self, inner: Backend, store: Store):
        self.inner = inner
        self.store = store
        self.model = inner.model
        # The configured mode (not what "auto" later resolves to), so cached runs
        # report the same metadata as the run that filled the cache.
        self.structured_mode = inner.structured_mode
        self.calls = 0
        self.hits = 0

    def chat(self, request: ChatRequest) -> ChatResult:
        key = cache_key(self.model, self.structured_mode, request)
        hit = self.store.cache_get(key)
        if hit is not None:
            self.hits += 1
            return hit
        self.calls += 1
        result = self.inner.chat(request)
        if result.finish_reason == "stop":
            self.store.cache_put(key, self.model, result)
        return result
