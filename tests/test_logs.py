"""``briefer logs`` after real runs: briefs (done and failed) and digests, newest first, with their counts."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner
from support import completion
from test_digest import DATA, ByText, make_config, run

from briefer.brief.extract import ChunkOutcome
from briefer.cli.main import cli
from briefer.cli.progress import BarChunks
from briefer.config import load_settings
from briefer.models import GroundingCounts, Usage
from briefer.state.migrations import MIGRATIONS, migrate
from briefer.testing import fact

PLAIN = fact("Putin visited North Korea in July 2000.", "Putin visited North Korea in July 2000")
INVENTED = fact("Kim likes pizza.", "Kim said he likes pizza with pineapple")
ARTICLE = "Summit\nPutin visited North Korea in July 2000. Talks went on for two days.\n"


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "summit.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def brief(server, *args):
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    return CliRunner().invoke(cli, ["brief", *args, "--base-url", base, "-m", "m", "--max-reasks", "0", "-q"])


def logs(*args):
    result = CliRunner().invoke(cli, ["logs", *args])
    assert result.exit_code == 0, result.stderr
    return result


def test_the_migration_creates_brief_runs():
    db = sqlite3.connect(":memory:")
    assert "_create_brief_runs" in migrate(db, MIGRATIONS)
    columns = [r[1] for r in db.execute("PRAGMA table_info(brief_runs)")]
    for name in ("started", "source", "title", "model", "structured_mode", "prompt_version", "chunks"):
        assert name in columns
    for name in ("prompt_tokens", "completion_tokens", "proposed", "grounded", "dropped", "reasks"):
        assert name in columns
    assert columns[-3:] == ["dropped_facts", "output", "status"]


def test_empty_or_missing_state_says_so():
    result = logs()
    assert result.stdout == "" and "no runs recorded yet" in result.stderr
    assert json.loads(logs("--json").stdout) == []


def test_briefs_are_logged_with_counts_dropped_reasons_and_output(server, article, tmp_path):
    server.respond = lambda body: completion(json.dumps({"facts": [INVENTED, PLAIN]}))
    assert brief(server, str(article)).exit_code == 0
    out = tmp_path / "b.json"
    assert brief(server, str(article), "--format", "json", "-o", str(out), "--no-cache").exit_code == 0
    meta = json.loads(out.read_text(encoding="utf-8"))["meta"]

    runs = json.loads(logs("--json").stdout)
    assert [r["kind"] for r in runs] == ["brief", "brief"]
    newest, first = runs
    assert newest["output"] == str(out) and first["output"] == "stdout"
    assert newest["source"] == str(article) and newest["title"] == "Summit"
    assert newest["model"] == meta["model"] == "m" and newest["status"] == "ok"
    assert newest["chunks"] == meta["chunks"] and newest["prompt_version"] == meta["prompt_version"]
    assert (newest["prompt_tokens"], newest["completion_tokens"]) == (
        meta["usage"]["prompt_tokens"],
        meta["usage"]["completion_tokens"],
    )
    counts = meta["counts"]
    assert (newest["proposed"], newest["grounded"], newest["dropped"]) == (2, 1, 1)
    assert newest["reasks"] == counts["reasks"] and newest["facts"] == 1
    assert [d["claim"] for d in newest["dropped_facts"]] == ["Kim likes pizza."]
    assert newest["dropped_facts"][0]["reason"]

    text = logs().stdout.splitlines()
    assert len(text) == 2
    assert "  brief  " in text[0] and str(article) in text[0] and "  m  " in text[0]
    assert "1 facts (2 proposed, 1 dropped, 0 re-asks)" in text[0]
    assert f"{meta['usage']['prompt_tokens']}+{meta['usage']['completion_tokens']} tokens" in text[0]
    assert text[0].endswith(f"→ {out}") and text[1].endswith("→ stdout")
    dropped = logs("--dropped", "-n", "1").stdout.splitlines()
    assert len(dropped) == 2
    assert dropped[1] == f"    dropped: Kim likes pizza. — {newest['dropped_facts'][0]['reason']}"


def test_a_failed_brief_is_logged_with_its_reason(server, article):
    server.respond = lambda body: completion(json.dumps({"facts": [INVENTED]}))
    result = brief(server, str(article), "--no-cache")
    assert result.exit_code == 3
    (run,) = json.loads(logs("--json").stdout)
    assert run["status"] == result.stderr.strip().removeprefix("briefer: error: ")
    assert run["status"].startswith("No brief: none of the") and run["output"] == ""
    assert f"failed: {run['status']}" in logs().stdout


def test_digest_runs_appear_among_briefs_newest_first(server, article, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder)
    config = make_config(folder, tmp_path / "out")
    result = run(config, ByText())
    server.respond = lambda body: completion(json.dumps({"facts": [PLAIN]}))
    assert brief(server, str(article)).exit_code == 0

    runs = json.loads(logs("--json").stdout)
    assert [r["kind"] for r in runs] == ["brief", "digest"]
    assert runs[1]["config"] == config.key and runs[1]["stories"] == result.counts["stories"]
    lines = logs().stdout.splitlines()
    assert f"  digest  {config.key}  {result.status}  {result.counts['stories']} stories" in lines[1]
    assert [r["kind"] for r in json.loads(logs("--json", "--digests").stdout)] == ["digest"]
    assert [r["kind"] for r in json.loads(logs("--json", "--briefs").stdout)] == ["brief"]
    assert len(json.loads(logs("--json", "-n", "1").stdout)) == 1


def test_an_unusable_state_file_is_skipped_silently(server, article):
    path = load_settings({}).state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database" * 100)
    server.respond = lambda body: completion(json.dumps({"facts": [PLAIN]}))
    result = brief(server, str(article))
    assert result.exit_code == 0 and "Putin visited North Korea" in result.stdout


def test_the_progress_bar_adds_up_reasks_and_tokens():
    bar = BarChunks("a.txt", 2)
    for reasks in (1, 2):
        bar.outcome(
            ChunkOutcome(
                usage=Usage(prompt_tokens=10, completion_tokens=3), counts=GroundingCounts(reasks=reasks)
            )
        )
    fields = bar.bar.tasks[0].fields
    assert fields == {"reasks": 3, "tokens": "20+6"}
