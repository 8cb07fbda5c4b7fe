"""The schema of briefer's SQLite state, as named steps applied once each.

A step is a plain function; :func:`migrate` runs the steps not yet recorded
in the ``migrations`` table, each inside a transaction, and records its
name. A new step is appended to ``MIGRATIONS``; steps are never edited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


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


def _create_digest_state(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE articles (
            url TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            first_seen TEXT NOT NULL,
            PRIMARY KEY (url, content_hash)
        )"""
    )
    db.execute("CREATE INDEX articles_by_hash ON articles (content_hash)")
    db.execute(
        """CREATE TABLE briefs (
            brief_key TEXT PRIMARY KEY,
            content_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            brief TEXT NOT NULL,
            created TEXT NOT NULL DEFAULT (datetime('now'))
        )"""
    )


def _create_digest_runs(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE digest_runs (
            id INTEGER PRIMARY KEY,
            config TEXT NOT NULL,
            day TEXT NOT NULL,
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL,
            articles INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            briefed INTEGER NOT NULL DEFAULT 0,
            reused INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            stories INTEGER NOT NULL DEFAULT 0,
            llm_calls INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE TABLE schedules (config TEXT PRIMARY KEY, last_slot TEXT NOT NULL)")


def _add_cache_mode(db: sqlite3.Connection) -> None:
    """The structured-output mode an answer was actually sent in ("" for older rows).

    The cache key holds the configured mode (often "auto"), so that re-runs hit;
    this column lets a cached re-run report the mode "auto" settled on, as the
    run that filled the cache did.
    """
    db.execute("ALTER TABLE llm_cache ADD COLUMN mode TEXT NOT NULL DEFAULT ''")


def _create_http_validators(db: sqlite3.Connection) -> None:
    """What a conditional GET needs next time, per URL as requested (before redirects).

    ``etag``/``last_modified`` are the validators the server sent; on a 304 the
    stored result stands in for the body: a feed's raw ``body`` (re-parsed, so
    a same-day re-run sees the same entries) or a page's decoded ``article``
    (Article JSON) with its canonical ``key`` (the body is not kept). ``used``
    is when the record was last stored or answered a 304 (UTC ISO): records
    unused for a while are pruned, so the table does not grow without end.
    """
    db.execute(
        """CREATE TABLE http_validators (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            final_url TEXT NOT NULL,
            content_type TEXT,
            body BLOB,
            article TEXT,
            key TEXT,
            used TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX http_validators_by_use ON http_validators (used)")


def _create_brief_runs(db: sqlite3.Connection) -> None:
    """One row per article a ``briefer brief`` run briefed or failed on: what ``briefer logs`` shows.

    ``started`` is UTC ISO; ``source`` the path or URL as given, or "standard input";
    ``dropped_facts`` a JSON list of ``{"claim", "reason"}``; ``output`` the file
    written, or "stdout"; ``status`` "ok" or the one-line error the run ended with.
    """
    db.execute(
        """CREATE TABLE brief_runs (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            source TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            structured_mode TEXT NOT NULL DEFAULT '',
            prompt_version TEXT NOT NULL DEFAULT '',
            chunks INTEGER NOT NULL DEFAULT 0,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            proposed INTEGER NOT NULL DEFAULT 0,
            grounded INTEGER NOT NULL DEFAULT 0,
            dropped INTEGER NOT NULL DEFAULT 0,
            reasks INTEGER NOT NULL DEFAULT 0,
            facts INTEGER NOT NULL DEFAULT 0,
            dropped_facts TEXT NOT NULL DEFAULT '[]',
            output TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX brief_runs_by_start ON brief_runs (started)")


def _create_deliveries(db: sqlite3.Connection) -> None:
    """One row per attempt to deliver a digest day to a destination (see :mod:`briefer.state.deliveries`)."""
    db.execute(
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            config TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            shown TEXT NOT NULL,
            day TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            outcome TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            run_id INTEGER,
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX deliveries_by_destination ON deliveries (config, fingerprint, day)")
    db.execute("CREATE INDEX deliveries_by_run ON deliveries (run_id)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _create_llm_cache,
    _create_digest_state,
    _create_digest_runs,
    _add_cache_mode,
    _create_http_validators,
    _create_brief_runs,
    _create_deliveries,
]
RUN_COUNTS = ("articles", "new", "briefed", "reused", "failed", "stories", "llm_calls")


def migrate(
    db: sqlite3.Connection, migrations: list[Callable[[sqlite3.Connection], None]] | None = None
) -> list[str]:
    """Apply the steps not yet recorded; return the names applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL DEFAULT (datetime('now')))"
    )
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
