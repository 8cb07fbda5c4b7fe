"""SQLite state: migrations apply once and in order; the response cache replays answers."""

from __future__ import annotations

import sqlite3

from briefer.llm.base import ChatRequest, ChatResult
from briefer.llm.cache import CachingBackend, cache_key
from briefer.models import Usage
from briefer.state.migrations import MIGRATIONS, migrate
from briefer.state.store import Store
from briefer.testing import FakeBackend

REQUEST = ChatRequest(
    messages=({"role": "user", "content": "chunk text"},),
    schema={"type": "object"},
    schema_name="x",
    max_tokens=32,
)


def columns(db, table):
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def test_migrations_apply_once_and_are_recorded():
    db = sqlite3.connect(":memory:")
    assert migrate(db) == [m.__name__ for m in MIGRATIONS]
    assert migrate(db) == []
    assert [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY rowid")] == [
        m.__name__ for m in MIGRATIONS
    ]
    assert columns(db, "llm_cache")[:4] == ["key", "model", "content", "finish_reason"]


def test_a_new_step_upgrades_an_old_database_in_place(tmp_path):
    path = tmp_path / "state.sqlite3"
    db = sqlite3.connect(path)
    migrate(db, MIGRATIONS[:1])

    def add_flag(db):
        db.execute("ALTER TABLE llm_cache ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0")

    assert migrate(db, [*MIGRATIONS[:1], add_flag]) == ["add_flag"]
    assert "flagged" in columns(db, "llm_cache")


def test_cache_answers_the_same_request_without_a_call(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    inner = FakeBackend(
        ChatResult(
            content='{"facts": []}', finish_reason="stop", usage=Usage(prompt_tokens=5, completion_tokens=3)
        )
    )
    cached = CachingBackend(inner, store)
    first = cached.chat(REQUEST)
    second = CachingBackend(FakeBackend(), Store(tmp_path / "s.sqlite3")).chat(REQUEST)
    assert (second.content, second.usage, second.cached) == (first.content, first.usage, True)
    assert cached.calls == 1


def test_truncated_answers_are_not_cached(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    cut = ChatResult(content="{", finish_reason="length")
    cached = CachingBackend(FakeBackend(cut, cut), store)
    cached.chat(REQUEST)
    cached.chat(REQUEST)
    assert cached.calls == 2


def test_the_key_covers_model_mode_and_every_request_field():
    base = cache_key("m", "json_object", REQUEST)
    assert cache_key("m2", "json_object", REQUEST) != base
    assert cache_key("m", "json_schema", REQUEST) != base
    other = ChatRequest(messages=REQUEST.messages, schema=REQUEST.schema, schema_name="x", max_tokens=64)
    assert cache_key("m", "json_object", other) != base
