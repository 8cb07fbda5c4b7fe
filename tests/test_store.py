"""SQLite state: migrations apply once and in order; the response cache replays answers.

A corrupt state file is one clear error naming the file and the fix; ``brief``
goes on without the cache; ``doctor --repair`` moves the file aside, never
deleting it.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from pydantic import ValidationError
from support import completion

from briefer.cli.main import cli
from briefer.config import load_settings
from briefer.digest.config import digest_config
from briefer.digest.run import run_digest
from briefer.errors import BrieferError
from briefer.llm.base import ChatRequest, ChatResult
from briefer.llm.cache import CachingBackend, cache_key
from briefer.models import Brief, Usage
from briefer.runtime import Runtime
from briefer.state.migrations import MIGRATIONS, migrate
from briefer.state.repair import UnusableStore, check_state, repair_state
from briefer.state.store import StateError, Store
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


# --------------------------------------------------------------------------- the mode "auto" settled on


class Settles(FakeBackend):
    """A fake whose configured "auto" becomes ``json_object`` on its first call, as the real backend's does."""

    def chat(self, request):
        self.structured_mode = "json_object"
        return super().chat(request)


def test_a_cached_rerun_reports_the_mode_auto_settled_on_and_keys_stay_on_the_configured_mode(tmp_path):
    first = CachingBackend(Settles({"facts": []}, structured_mode="auto"), Store(tmp_path / "s.sqlite3"))
    assert first.structured_mode == "auto"
    first.chat(REQUEST)
    assert first.structured_mode == "json_object"
    again = CachingBackend(FakeBackend(structured_mode="auto"), Store(tmp_path / "s.sqlite3"))
    assert again.chat(REQUEST).cached and again.calls == 0
    assert again.structured_mode == "json_object"
    assert (
        Store(tmp_path / "s.sqlite3").cache_get(cache_key("fake-model", "auto", REQUEST))[4] == "json_object"
    )


def test_rows_cached_before_the_mode_column_report_the_configured_mode(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    migrate(db, MIGRATIONS[:3])
    key = cache_key("fake-model", "auto", REQUEST)
    db.execute("INSERT INTO llm_cache VALUES (?, 'fake-model', '{}', 'stop', 1, 1, datetime('now'))", (key,))
    db.commit()
    db.close()
    cached = CachingBackend(FakeBackend(structured_mode="auto"), Store(path))
    assert cached.chat(REQUEST).cached and cached.structured_mode == "auto"


# --------------------------------------------------------------------------- a corrupt state file


def garbage(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database, it only sits where one should be\n" * 100)
    return path


def malformed(path):
    """A real state file whose pages past the first few are overwritten: it opens, and breaks on use."""
    with Store(path) as store:
        for n in range(400):
            store.cache_put(f"k{n}", "m", "x" * 500, "stop", 1, 1)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    for offset in range(3 * 4096, len(data), 4096):
        data[offset : offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    return path


def test_a_file_that_is_not_a_database_is_a_one_line_state_error_naming_file_and_fix(tmp_path):
    path = garbage(tmp_path / "briefer.sqlite3")
    with pytest.raises(StateError) as info:
        Store(path)
    message = str(info.value)
    assert str(path) in message and "briefer doctor --repair" in message and "move it aside" in message
    assert "\n" not in message and info.value.exit_code == 2 and info.value.corrupt
    assert isinstance(info.value, BrieferError)


def test_a_malformed_page_found_by_a_later_query_is_a_state_error_too(tmp_path):
    path = malformed(tmp_path / "briefer.sqlite3")
    with pytest.raises(StateError, match="briefer doctor --repair"):
        store = Store(path)
        for n in range(400):
            store.cache_get(f"k{n}")


def test_the_cache_warns_once_and_answers_without_an_unusable_store(tmp_path, caplog):
    try:
        Store(garbage(tmp_path / "s.sqlite3"))
    except StateError as exc:
        store = UnusableStore(exc)
    cached = CachingBackend(FakeBackend({"facts": []}, {"facts": [1]}), store)
    assert cached.chat(REQUEST).content == '{"facts": []}'
    assert cached.chat(REQUEST).content == '{"facts": [1]}'
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and warnings[0].endswith(
        "Continuing without the response cache: this run's answers are not cached."
    )


def test_open_store_stands_in_for_a_corrupt_file_and_digest_state_still_fails_clearly(tmp_path):
    settings = load_settings({})
    garbage(settings.state_path())
    store = Runtime.resolve(settings).open_store()
    assert isinstance(store, UnusableStore)
    with store, pytest.raises(StateError, match="is corrupt"):
        store.start_run("config", "2026-11-26")


def test_brief_goes_on_without_the_cache_when_the_state_file_is_corrupt(server, caplog):
    state = garbage(load_settings({}).state_path())
    server.script = [completion(json.dumps({"facts": []}))]
    base = f"http://127.0.0.1:{server.server_port}/v1"
    result = CliRunner().invoke(cli, ["brief", "-", "--base-url", base], input="Kim flew to Vladivostok.\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("#")
    assert [r.getMessage() for r in caplog.records if "without the response cache" in r.getMessage()]
    assert state.read_bytes().startswith(b"this is not a database")  # untouched


def test_a_digest_over_a_corrupt_state_file_is_one_clear_error(tmp_path):
    garbage(load_settings({}).state_path())
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Kim flew to Vladivostok.\n", encoding="utf-8")
    config = digest_config(
        {"name": "x", "sources": {"paths": ["in"]}, "output": "out"}, base=tmp_path, key="test:corrupt"
    )
    with pytest.raises(StateError, match="briefer doctor --repair"):
        run_digest(
            config, load_settings(), open_backend=lambda store, **_: contextlib.nullcontext(FakeBackend())
        )


# --------------------------------------------------------------------------- check and repair


def test_check_state_reports_each_condition_without_touching_the_file(tmp_path):
    path = tmp_path / "s.sqlite3"
    assert check_state(path).status == "missing" and not path.exists()
    Store(path).close()
    health = check_state(path)
    assert health.status == "ok" and "0 cached answers" in health.detail
    assert check_state(garbage(path)).status == "corrupt"
    assert check_state(malformed(tmp_path / "m.sqlite3")).status == "corrupt"


def test_repair_moves_the_corrupt_file_and_its_companions_aside_and_starts_afresh(tmp_path):
    path = garbage(tmp_path / "s.sqlite3")
    wal = path.with_name("s.sqlite3-wal")
    wal.write_bytes(b"old wal")
    before = path.read_bytes()
    aside = repair_state(path, now=datetime(2026, 11, 26, 7, 30, tzinfo=UTC))
    assert aside == tmp_path / "s.sqlite3.corrupt-20261126T073000Z"
    assert aside.read_bytes() == before  # nothing is deleted
    assert (tmp_path / "s.sqlite3-wal.corrupt-20261126T073000Z").read_bytes() == b"old wal"
    assert check_state(path).status == "ok"
    with Store(path) as store:
        store.cache_put("k", "m", "{}", "stop", 1, 1)


def test_a_second_repair_never_overwrites_the_first_ones_files(tmp_path):
    path = tmp_path / "s.sqlite3"
    when = datetime(2026, 11, 26, tzinfo=UTC)
    first = repair_state(garbage(path), now=when)
    second = repair_state(garbage(path), now=when)
    assert first != second and first.exists() and second.exists()
    assert second.name.endswith("-2")


def test_repair_leaves_a_healthy_file_alone(tmp_path):
    path = tmp_path / "s.sqlite3"
    with Store(path) as store:
        store.cache_put("k", "m", "{}", "stop", 1, 1)
    assert repair_state(path) is None
    assert Store(path).cache_get("k") is not None
    assert list(tmp_path.glob("*.corrupt-*")) == []


def test_doctor_reports_a_corrupt_state_file_and_repair_fixes_it():
    state = garbage(load_settings({}).state_path())
    result = CliRunner().invoke(cli, ["doctor", "--quick"])
    assert result.exit_code == 0
    assert (
        "state health      corrupt: file is not a database (run `briefer doctor --repair`)" in result.stdout
    )
    result = CliRunner().invoke(cli, ["doctor", "--repair", "--quick"])
    assert result.exit_code == 0, result.output
    (aside,) = state.parent.glob("briefer.sqlite3.corrupt-*")
    assert f"moved the corrupt file to {aside} and created a fresh one" in result.stdout
    assert "state health      ok: " in result.stdout
    assert "nothing to repair" in CliRunner().invoke(cli, ["doctor", "--repair", "--quick"]).stdout


# --------------------------------------------------------------------------- an unreadable stored brief


def test_an_unreadable_stored_brief_comes_back_as_stored_for_the_caller_to_reject(tmp_path):
    """The contract ``brief_all`` relies on: the row as stored, and a ValidationError from the model."""
    store = Store(tmp_path / "s.sqlite3")
    store.put_brief("bad", "h", "m", '{"facts": [')
    assert store.get_brief("bad") == '{"facts": ['
    with pytest.raises(ValidationError):
        Brief.model_validate_json(store.get_brief("bad"))
