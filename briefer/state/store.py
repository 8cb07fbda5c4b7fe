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
  ``mode`` is the structured-output mode the answer was sent in (what "auto"
  settled on), so a cached re-run reports the same mode.
- ``articles`` (digest state): every article a digest has seen, one row per
  ``(url, content_hash)``. ``url`` is the canonical URL (or ``file:`` URI of a
  local file); ``content_hash`` is the sha256 of the text with whitespace
  folded and case ignored (what makes two copies exact duplicates);
  ``first_seen`` is UTC ISO time, never updated.
- ``briefs``: the verified :class:`~briefer.models.Brief` of an article as
  JSON, keyed by ``brief_key``: the sha256 of the article's exact text and
  title plus everything that shapes extraction (model settings, prompt
  version, options). An article already briefed is never extracted again.
- ``digest_runs``: one row per digest run of a config (``config`` is the
  config file's resolved path): ``day`` (the digest's date), ``started`` and
  ``finished`` (UTC ISO), ``status`` (``running``, ``ok``, ``partial`` when
  some sources failed, ``failed``, ``interrupted`` for a run that died), and
  counts (articles, new, briefed now, reused, failed, stories, LLM calls).
- ``brief_runs``: one row per article ``briefer brief`` briefed or failed on
  (source, model, tokens, counts, dropped facts as JSON, output, status), for
  ``briefer logs``, which shows them beside ``digest_runs``.
- ``schedules``: per config, the last cron slot served (UTC ISO), so a
  restarted scheduler catches up a missed run once.
- ``http_validators``: per fetched URL (as requested), the ``ETag`` and
  ``Last-Modified`` it was sent with and what a 304 stands for: a feed's raw
  body, or a page's decoded Article JSON and canonical key (:class:`HttpRecord`).

The database is opened in WAL mode so a digest's worker threads and a reader
can share it; every write is its own short transaction (a run's
articles seen are recorded in one).

A file SQLite cannot read (not a database, or a malformed page found on
opening or by any later query) or write (read-only, a read-only folder, a
full disk; a lock held too long) raises :class:`StateError`, a one-line
:class:`~briefer.errors.BrieferError` naming the file and the fix, instead of a
bare ``sqlite3.DatabaseError``. :mod:`briefer.state.repair` checks and repairs.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from .base import StateError, is_corrupt, utc_now
from .migrations import RUN_COUNTS, migrate


class HttpRecord(NamedTuple):
    """A URL's validators and what a 304 answer for it stands for (``body`` or ``article``)."""

    etag: str | None
    last_modified: str | None
    final_url: str
    content_type: str | None
    body: bytes | None = None  # a feed's raw bytes
    article: str | None = None  # a page's Article JSON
    key: str | None = None  # a page's canonical URL


class Store:
    """A thread-safe handle on the SQLite file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        memory = str(path) == ":memory:"
        if not memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        try:
            self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise StateError(self.path, str(exc), corrupt=False) from exc
        try:
            with self._locked():
                if not memory:
                    self.db.execute("PRAGMA journal_mode=WAL")  # NORMAL: in WAL mode, no corruption risk
                    self.db.execute("PRAGMA synchronous=NORMAL")
                migrate(self.db)
        except sqlite3.Error as exc:  # not corrupt (those are StateError already): locked, read-only, ...
            self.db.close()
            raise StateError(self.path, str(exc), corrupt=False) from exc
        except BaseException:
            self.db.close()
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection under the lock; a corrupt file found by any query becomes :class:`StateError`."""
        with self.lock:
            try:
                yield self.db
            except sqlite3.DatabaseError as exc:  # corrupt, or read-only, locked too long, disk full...
                if is_corrupt(exc) or isinstance(exc, sqlite3.OperationalError):
                    raise StateError.of(self.path, exc) from exc
                raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def cache_get(self, key: str) -> tuple[str, str, int, int, str] | None:
        """``(content, finish_reason, prompt_tokens, completion_tokens, mode)`` of a cached answer."""
        with self._locked():
            return self.db.execute(
                "SELECT content, finish_reason, prompt_tokens, completion_tokens, mode FROM llm_cache"
                " WHERE key = ?",
                (key,),
            ).fetchone()

    def cache_put(
        self,
        key: str,
        model: str,
        content: str,
        finish_reason: str,
        prompt_tokens: int,
        completion_tokens: int,
        mode: str = "",
    ) -> None:
        with self._locked():
            self.db.execute(
                "INSERT OR REPLACE INTO llm_cache"
                " (key, model, content, finish_reason, prompt_tokens, completion_tokens, mode)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, model, content, finish_reason, prompt_tokens, completion_tokens, mode),
            )

    # --- digest state -------------------------------------------------------

    def see_article(self, url: str, content_hash: str, title: str = "") -> tuple[str, bool]:
        """Record an article; return when it was first seen and whether that is now."""
        return self.see_articles([(url, content_hash, title)])[0]

    def see_articles(self, articles: Iterable[tuple[str, str, str]]) -> list[tuple[str, bool]]:
        """:meth:`see_article` for each ``(url, content_hash, title)``, in one transaction (one commit)."""
        with self._locked():
            self.db.execute("BEGIN")
            try:
                seen = [self._see(*article) for article in articles]
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return seen

    def _see(self, url: str, content_hash: str, title: str) -> tuple[str, bool]:
        now = utc_now()
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO articles (url, content_hash, title, first_seen) VALUES (?, ?, ?, ?)",
            (url, content_hash, title, now),
        )
        row = self.db.execute(
            "SELECT MIN(first_seen) FROM articles WHERE url = ? OR content_hash = ?", (url, content_hash)
        ).fetchone()
        return row[0], cursor.rowcount == 1 and row[0] == now

    def get_brief(self, brief_key: str) -> str | None:
        """The stored brief's JSON, as stored: it may be unreadable (damaged, or an older Brief model).

        The store does not know the Brief model, so the caller validates: the
        digest (``digest/run.py``, ``brief_all``) catches pydantic's
        ``ValidationError`` and briefs the article again, which overwrites the row.
        """
        with self._locked():
            row = self.db.execute("SELECT brief FROM briefs WHERE brief_key = ?", (brief_key,)).fetchone()
        return row[0] if row else None

    def put_brief(self, brief_key: str, content_hash: str, model: str, brief_json: str) -> None:
        with self._locked():
            self.db.execute(
                "INSERT OR REPLACE INTO briefs (brief_key, content_hash, model, brief) VALUES (?, ?, ?, ?)",
                (brief_key, content_hash, model, brief_json),
            )

    def start_run(self, config: str, day: str) -> int:
        """Open a run row; rows of this config left ``running`` by a dead process become ``interrupted``."""
        with self._locked():
            self.db.execute(
                "UPDATE digest_runs SET status = 'interrupted' WHERE config = ? AND status = 'running'",
                (config,),
            )
            cursor = self.db.execute(
                "INSERT INTO digest_runs (config, day, started, status) VALUES (?, ?, ?, 'running')",
                (config, day, utc_now()),
            )
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, status: str, counts: Mapping[str, int]) -> None:
        names = [k for k in RUN_COUNTS if k in counts]
        assignments = "".join(f", {k} = ?" for k in names)
        with self._locked():
            self.db.execute(
                f"UPDATE digest_runs SET status = ?, finished = ?{assignments} WHERE id = ?",
                (status, utc_now(), *(counts[k] for k in names), run_id),
            )

    def runs(self, config: str) -> list[dict]:
        with self._locked():
            cursor = self.db.execute("SELECT * FROM digest_runs WHERE config = ? ORDER BY id", (config,))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def record_brief_run(self, row: Mapping[str, object]) -> None:
        """Add a ``brief_runs`` row (keys are its column names)."""
        names = ", ".join(row)
        with self._locked():
            self.db.execute(
                f"INSERT INTO brief_runs ({names}) VALUES ({', '.join('?' * len(row))})", [*row.values()]
            )

    def recent(self, table: str, limit: int) -> list[dict]:
        """The newest ``limit`` rows of ``brief_runs`` or ``digest_runs``, newest first."""
        if table not in ("brief_runs", "digest_runs"):
            raise ValueError(table)
        with self._locked():
            return _dicts(
                self.db.execute(f"SELECT * FROM {table} ORDER BY started DESC, id DESC LIMIT ?", (limit,))
            )

    def last_slot(self, config: str) -> datetime | None:
        with self._locked():
            row = self.db.execute("SELECT last_slot FROM schedules WHERE config = ?", (config,)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def set_last_slot(self, config: str, slot: datetime) -> None:
        with self._locked():
            self.db.execute(
                "INSERT OR REPLACE INTO schedules (config, last_slot) VALUES (?, ?)",
                (config, slot.astimezone(UTC).isoformat()),
            )

    # --- conditional GET ----------------------------------------------------

    def http_record(self, url: str) -> HttpRecord | None:
        with self._locked():
            row = self.db.execute(
                "SELECT etag, last_modified, final_url, content_type, body, article, key"
                " FROM http_validators WHERE url = ?",
                (url,),
            ).fetchone()
        return HttpRecord(*row) if row else None

    def put_http_record(self, url: str, record: HttpRecord) -> None:
        with self._locked():
            self.db.execute(
                "INSERT OR REPLACE INTO http_validators"
                " (url, etag, last_modified, final_url, content_type, body, article, key, used)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (url, *record, utc_now()),
            )

    def touch_http_record(self, url: str) -> None:
        """The record answered a 304: it is in use, keep it."""
        with self._locked():
            self.db.execute("UPDATE http_validators SET used = ? WHERE url = ?", (utc_now(), url))

    def forget_http_record(self, url: str) -> None:
        with self._locked():
            self.db.execute("DELETE FROM http_validators WHERE url = ?", (url,))

    def prune_http_records(self, unused_for: timedelta) -> int:
        """Drop records not used for ``unused_for`` (pages long gone from every feed); return how many."""
        cutoff = (datetime.now(UTC) - unused_for).isoformat(timespec="microseconds")
        with self._locked():
            return self.db.execute("DELETE FROM http_validators WHERE used < ?", (cutoff,)).rowcount


def _dicts(cursor: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
