"""The digest pipeline end to end over a scripted backend: stories, corroboration, citations, state."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.cli.main import cli as briefer_cli
from briefer.config import load_settings
from briefer.digest.assemble import uncited_digest_lines
from briefer.digest.config import digest_config
from briefer.digest.lock import config_lock
from briefer.digest.model import Digest
from briefer.digest.run import run_digest
from briefer.errors import BrieferError, LLMError
from briefer.llm.base import ChatResult
from briefer.llm.cache import CachingBackend
from briefer.models import Usage
from briefer.state.store import Store
from briefer.testing import FakeBackend

DATA = Path(__file__).parent / "data" / "digest"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PASSENGERS = "The coast guard said 212 passengers were on the ferry."
# (quote in the article, claim, kind): what the scripted model "extracts" when the quote is in its chunk.
RULES = [
    ("all 212 passengers were taken ashore by lifeboats, the coast guard said", PASSENGERS, "number"),
    ("According to the coast guard, 212 passengers were on board", PASSENGERS, "number"),
    (
        "Three passengers were treated for minor injuries",
        "Three passengers were treated for minor injuries.",
        "event",
    ),
    ("Temperatures fell to minus four degrees in the Ostra valley", "It was minus four degrees.", "event"),
    ("Thermometers showed minus four degrees before dawn", "It was minus four degrees.", "event"),
]


class ByText(FakeBackend):
    """Answers from the chunk in the request, so the order of concurrent calls does not matter.

    ``fail`` maps a word to an exception raised for any chunk containing it.
    """

    def __init__(self, fail: dict[str, BaseException] | None = None, fail_all: BaseException | None = None):
        super().__init__()
        self.fail = fail or {}
        self.fail_all = fail_all

    def chat(self, request):
        self.history.append(request)
        last = request.messages[-1]["content"]
        chunk = last.split("<article>", 1)[-1].split("</article>", 1)[0] if "<article>" in last else ""
        if self.fail_all is not None:
            raise self.fail_all
        for word, exc in self.fail.items():
            if word in chunk:
                raise exc
        content = json.dumps({"facts": facts_for(chunk)})
        return ChatResult(
            content=content,
            finish_reason="stop",
            usage=Usage(prompt_tokens=len(last) // 4, completion_tokens=len(content) // 4),
        )


def facts_for(chunk: str) -> list[dict]:
    if not chunk:
        return []
    found = [
        {"quotes": [q], "speaker": "", "claim": c, "kind": k, "entities": []}
        for q, c, k in RULES
        if q in chunk
    ]
    if found:
        return found
    first = re.split(r"(?<=[.!?])\s+", chunk.strip().split("\n\n", 1)[-1])[0]
    return [{"quotes": [first], "speaker": "", "claim": first, "kind": "event", "entities": []}]


def opener(backend, store_path: Path | None = None, opened: list | None = None):
    """An ``open_backend`` replacement: the scripted backend, optionally behind the real response cache."""

    @contextlib.contextmanager
    def open_backend(store, *, lazy=True):
        assert not lazy  # worker threads call it: the local server must be started up front
        if opened is not None:
            opened.append(1)
        yield backend if store_path is None else CachingBackend(backend, store)

    return open_backend


@pytest.fixture
def articles(tmp_path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder)
    return folder


def make_config(articles: Path, out: Path, **extra):
    data = {"name": "Coast desk", "sources": {"paths": [str(articles)]}, "output": str(out), **extra}
    return digest_config(data, base=articles.parent, key=f"test:{out}")


def run(config, backend, **kw):
    return run_digest(config, load_settings(), now=NOW, open_backend=opener(backend, **kw))


def test_stories_cluster_reports_and_every_bullet_is_cited(articles, tmp_path):
    result = run(make_config(articles, tmp_path / "out"), ByText())
    digest = result.digest
    titles = {s.title: s for s in digest.stories}
    assert len(digest.stories) == 4, list(titles)
    ferry = next(s for s in digest.stories if "Skarve" in s.title)
    assert len(ferry.articles) == 2 and len(digest.stories[0].articles) == 2
    fares = next(s for s in digest.stories if "fares" in s.title)
    assert len(fares.articles) == 1
    markdown = result.markdown_path.read_text(encoding="utf-8")
    assert result.markdown_path.name == "2026-11-26.md"
    assert uncited_digest_lines(markdown, digest) == []
    assert "_Reported by 2 sources: " in markdown


def test_a_fact_from_two_reports_is_corroborated_and_cites_both(articles, tmp_path):
    digest = run(make_config(articles, tmp_path / "out"), ByText()).digest
    fact = next(f for s in digest.stories for f in s.facts if f.claim == PASSENGERS)
    assert fact.corroborated and len(fact.articles) == 2
    cited = {digest.citation(i).article for i in fact.citations}
    assert cited == set(fact.articles)
    texts = {a.label: a.brief.article.text for a in digest.articles}
    for i in fact.citations:
        c = digest.citation(i)
        assert texts[c.article][c.span.start : c.span.end] == c.span.text
    singles = [f for s in digest.stories for f in s.facts if f.claim.startswith("Three passengers")]
    assert singles and not any(f.corroborated for f in singles)


def test_json_is_the_digest_and_markers_point_at_listed_quotes(articles, tmp_path):
    result = run(make_config(articles, tmp_path / "out"), ByText())
    again = Digest.model_validate_json(result.json_path.read_text(encoding="utf-8"))
    assert again == result.digest
    markdown = result.markdown_path.read_text(encoding="utf-8")
    for c in again.citations:
        assert f"- **[{c.id}]** {c.article} “" in markdown
        assert f"(characters {c.span.start}–{c.span.end}" in markdown


def test_same_day_rerun_makes_no_llm_call_and_writes_identical_bytes(articles, tmp_path):
    config = make_config(articles, tmp_path / "out")
    backend, opened = ByText(), []
    state = load_settings().state_dir() / "briefer.sqlite3"
    first = run(config, backend, store_path=state, opened=opened)
    md, js = first.markdown_path.read_bytes(), first.json_path.read_bytes()
    calls = len(backend.history)
    assert calls >= 6 and first.counts["llm_calls"] == calls
    second = run(config, backend, store_path=state, opened=opened)
    assert len(backend.history) == calls and len(opened) == 1  # stored briefs: no backend opened at all
    assert second.counts["reused"] == 6 and second.counts["new"] == 0
    assert (second.markdown_path.read_bytes(), second.json_path.read_bytes()) == (md, js)
    with sqlite3.connect(state) as db:
        db.execute("DELETE FROM briefs")
    third = run(config, backend, store_path=state)
    assert len(backend.history) == calls and third.counts["llm_calls"] == 0  # the response cache answered
    assert third.markdown_path.read_bytes() == md


def test_one_failing_article_is_listed_and_the_digest_ships(articles, tmp_path):
    backend = ByText(
        fail={
            "Westsound Lines will raise fares": LLMError(
                "The LLM at x kept answering 429 (rate limited) after retries; try again later."
            )
        }
    )
    result = run(make_config(articles, tmp_path / "out"), backend)
    assert result.status == "partial"
    assert len(result.digest.stories) == 3
    [problem] = result.digest.not_covered
    assert problem.source.endswith("ferry-fares.txt") and "429" in problem.reason
    markdown = result.markdown_path.read_text(encoding="utf-8")
    assert "## Not covered" in markdown and "ferry-fares.txt: The LLM at x kept answering 429" in markdown
    assert uncited_digest_lines(markdown, result.digest) == []


def test_an_unexpected_error_in_one_article_is_contained(articles, tmp_path):
    result = run(make_config(articles, tmp_path / "out"), ByText(fail={"Sandvik": RuntimeError("boom")}))
    assert [p.reason for p in result.digest.not_covered] == ["internal error: RuntimeError: boom"]


def test_an_interrupted_run_resumes_without_redoing_work(articles, tmp_path):
    config = make_config(articles, tmp_path / "out", concurrency=1)
    with pytest.raises(KeyboardInterrupt):
        run(config, ByText(fail={"Ostra": KeyboardInterrupt()}))
    assert not (tmp_path / "out").exists()
    store = Store(load_settings().state_dir() / "briefer.sqlite3")
    assert [r["status"] for r in store.runs(config.key)] == ["interrupted"]
    store.close()
    backend = ByText()
    result = run(config, backend)
    assert len(backend.history) == 2  # only the two Ostra articles
    assert result.counts["reused"] == 4 and result.status == "ok"


def test_concurrent_workers_give_the_same_digest_as_one(articles, tmp_path, monkeypatch):
    one = run(make_config(articles, tmp_path / "one", concurrency=1), ByText())
    monkeypatch.setenv("BRIEFER_DATA_DIR", str(tmp_path / "other-state"))
    eight = run(make_config(articles, tmp_path / "eight", concurrency=8), ByText())
    assert one.markdown_path.read_bytes() == eight.markdown_path.read_bytes()
    assert one.json_path.read_bytes() == eight.json_path.read_bytes()


def test_runs_and_articles_are_recorded(articles, tmp_path):
    config = make_config(articles, tmp_path / "out")
    run(config, ByText())
    store = Store(load_settings().state_dir() / "briefer.sqlite3")
    [row] = store.runs(config.key)
    assert (row["status"], row["articles"], row["new"], row["briefed"], row["stories"]) == ("ok", 6, 6, 6, 4)
    assert row["day"] == "2026-11-26" and row["finished"] >= row["started"]
    assert store.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 6
    store.close()


def test_exact_copies_are_one_article_with_two_addresses(articles, tmp_path):
    (articles / "copy-of-ferry.txt").write_text(
        "  " + (articles / "ferry-aground-a.txt").read_text().upper(), encoding="utf-8"
    )
    digest = run(make_config(articles, tmp_path / "out"), ByText()).digest
    assert len(digest.articles) == 6
    [copy] = [a for a in digest.articles if len(a.addresses) == 2]
    assert any(address.endswith("copy-of-ferry.txt") for address in copy.addresses)


def test_keywords_filter_articles(articles, tmp_path):
    config = make_config(articles, tmp_path / "out", include=["ferry"], exclude=["fares"])
    digest = run(config, ByText()).digest
    assert len(digest.articles) == 2
    assert digest.left_out == {"matches an exclude keyword": 1, "matches no include keyword": 3}


def test_a_second_run_of_the_same_config_is_refused_while_one_holds_the_lock(articles, tmp_path):
    config = make_config(articles, tmp_path / "out")
    with config_lock(str(config.output_dir.resolve()), load_settings()):
        with pytest.raises(BrieferError, match="Another digest of .* is running"):
            run(config, ByText())
    run(config, ByText())


def test_a_copied_config_writing_to_the_same_folder_waits_its_turn(articles, tmp_path):
    original = make_config(articles, tmp_path / "out")
    copy = digest_config(
        {"name": "Copy", "sources": {"paths": [str(articles)]}, "output": str(tmp_path / "out")},
        base=articles.parent,
        key="test:a copy elsewhere",
    )
    with config_lock(str(original.output_dir.resolve()), load_settings()):
        with pytest.raises(BrieferError, match="Another digest of .* is running"):
            run(copy, ByText())


def test_a_rerun_while_the_llm_is_down_keeps_todays_briefs(articles, tmp_path, monkeypatch):
    config = make_config(articles, tmp_path / "out")
    first = run(config, ByText())
    monkeypatch.setenv(
        "BRIEFER_DATA_DIR", str(tmp_path / "fresh-state")
    )  # nothing stored: all must be briefed
    second = run(config, ByText(fail_all=LLMError("The LLM at x is down.")))
    assert [a.title for a in second.digest.articles] == [a.title for a in first.digest.articles]
    assert second.status == "partial"
    assert all(
        p.reason.endswith("(the brief from today's earlier run is kept)") for p in second.digest.not_covered
    )


def test_a_source_that_is_down_on_a_rerun_keeps_its_story(articles, tmp_path):
    files = sorted(str(p) for p in articles.glob("*.txt"))
    data = {"name": "Coast desk", "sources": {"paths": files}, "output": str(tmp_path / "out")}
    config = digest_config(data, base=articles.parent, key="test:files")
    first = run(config, ByText())
    Path(files[0]).unlink()
    second = run(config, ByText())
    assert [a.title for a in second.digest.articles] == [a.title for a in first.digest.articles]
    (problem,) = second.digest.not_covered
    assert problem.reason.endswith("(the brief from today's earlier run is kept)")
    assert second.markdown_path.read_text(encoding="utf-8").count("###") == first.markdown_path.read_text(
        encoding="utf-8"
    ).count("###")


def test_an_unreadable_stored_brief_is_briefed_again(articles, tmp_path):
    config = make_config(articles, tmp_path / "out")
    first = run(config, ByText())
    store = Store(load_settings().state_path())
    store.db.execute('UPDATE briefs SET brief = \'{"not": "a brief"}\'')
    store.close()
    backend = ByText()
    second = run(make_config(articles, tmp_path / "again"), backend)
    assert backend.calls > 0
    assert [a.title for a in second.digest.articles] == [a.title for a in first.digest.articles]


def test_markdown_in_titles_and_claims_cannot_inject(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil.txt").write_text(
        "[Click here](http://evil.example) <script>x</script> {{ 7*7 }}\n\nThe harbour of Brenn closed on Monday after a storm.\n",
        encoding="utf-8",
    )
    result = run(make_config(folder, tmp_path / "out"), ByText())
    markdown = result.markdown_path.read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)\]\(http|(?<!\\)<script|(?<!\\)\{(?<!\\)\{", markdown)
    assert "\\[Click here\\](http://evil.example) \\<script\\>" in markdown
    assert uncited_digest_lines(markdown, result.digest) == []


def test_an_empty_window_still_renders_a_digest(articles, tmp_path):
    result = run(make_config(articles, tmp_path / "out", include=["no-such-keyword"]), ByText())
    markdown = result.markdown_path.read_text(encoding="utf-8")
    assert "_No articles to report._" in markdown and "left out: matches no include keyword" in markdown


def test_a_digest_whose_every_source_fails_writes_nothing_and_says_why(tmp_path):
    from briefer.errors import NothingBriefed

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    with pytest.raises(NothingBriefed, match="empty.txt contains only whitespace"):
        run(make_config(folder, tmp_path / "out"), ByText())
    assert not (tmp_path / "out").exists()


def test_checker_flags_uncited_and_dangling_lines(articles, tmp_path):
    result = run(make_config(articles, tmp_path / "out"), ByText())
    markdown = result.markdown_path.read_text(encoding="utf-8")
    broken = markdown.replace("## Stories\n", "## Stories\n\n- An uncited claim.\n- A dangling one. [999]\n")
    assert uncited_digest_lines(broken, result.digest) == ["- An uncited claim.", "- A dangling one. [999]"]


def test_digest_tables_are_migrated():
    store = Store(":memory:")
    names = [r[0] for r in store.db.execute("SELECT name FROM migrations ORDER BY rowid")]
    assert names == [
        "_create_llm_cache",
        "_create_digest_state",
        "_create_digest_runs",
        "_add_cache_mode",
        "_create_http_validators",
        "_create_brief_runs",
        "_create_deliveries",
    ]
    columns = {
        t: [r[1] for r in store.db.execute(f"PRAGMA table_info({t})")]
        for t in ("articles", "briefs", "digest_runs", "schedules", "deliveries")
    }
    assert columns["articles"] == ["url", "content_hash", "title", "first_seen"]
    assert {"started", "finished", "status", "articles", "failed", "llm_calls"} <= set(columns["digest_runs"])
    assert columns["schedules"] == ["config", "last_slot"]
    assert {"fingerprint", "day", "content_hash", "outcome", "detail", "run_id"} <= set(columns["deliveries"])


# --- the command line -------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch):
    import click

    group = click.Group(commands=dict(briefer_cli.commands))
    fake = opener(ByText())
    monkeypatch.setattr(
        "briefer.runtime.Runtime.backend", lambda self, store=None, *, lazy=True: fake(store, lazy=lazy)
    )
    return group


def test_digest_command_writes_the_day_file(cli, articles, tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text(
        f'name = "Desk"\noutput = "out"\n[sources]\npaths = ["{articles.name}"]\n', encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["digest", str(config)])
    assert result.exit_code == 0, result.output
    written = Path(result.stdout.strip())
    assert written.parent == tmp_path / "out" and written.suffix == ".md"
    assert written.with_suffix(".json").is_file()


@pytest.mark.parametrize(
    "toml, key",
    [
        (
            'name = "x"\n[sources]\npaths = ["a"]\nfeed = ["b"]\n',
            "sources: unknown source kind 'feed' (known: feeds, opml, paths, urls)",
        ),
        ('name = "x"\n[sources]\n', "sources: name at least one of paths, urls, feeds or opml"),
        ('name = "x"\n[sources]\nurls = ["ftp://a"]\n', "sources: urls: 'ftp://a' is not an http(s) URL"),
        (
            'name = "x"\nwindow = "yesterday"\n[sources]\npaths = ["a"]\n',
            "window: 'yesterday' is not a duration",
        ),
        ('name = "x"\n[sources]\npaths = ["a"]\n[settings]\nmax_tokens = "lots"\n', "settings.max_tokens:"),
        (
            'name = "x"\n[sources]\npaths = ["a"]\n[schedule]\ncron = "0 7 * *"\n',
            "schedule.cron: '0 7 * *' is not a cron",
        ),
        (
            'name = "x"\n[sources]\npaths = ["a"]\n[schedule]\ncron = "0 7 * * *"\ntimezone = "Mars/Olympus"\n',
            "schedule.timezone:",
        ),
        ('name = "x"\ntemplate = "nope.j2"\n[sources]\npaths = ["a"]\n', "template: Template"),
        ('[sources]\npaths = ["a"]\n', "name: Field required"),
        ('name = "x"\n[sources\n', "is not valid TOML"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(cli, tmp_path, toml, key):
    config = tmp_path / "digest.toml"
    config.write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(cli, ["digest", str(config)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0], lines


def test_the_window_leaves_out_files_modified_before_it(articles, tmp_path):
    import os

    old = NOW.timestamp() - 3 * 86400
    os.utime(articles / "bridge-tender.txt", (old, old))
    for path in articles.glob("*.txt"):
        if path.name != "bridge-tender.txt":
            os.utime(path, (NOW.timestamp() - 3600,) * 2)
    digest = run(make_config(articles, tmp_path / "out", window="2d"), ByText()).digest
    assert len(digest.articles) == 5 and digest.left_out == {"older than the time window": 1}
    assert "1 article left out: older than the time window" in (tmp_path / "out" / "2026-11-26.md").read_text(
        encoding="utf-8"
    )


def test_the_day_is_taken_in_the_schedule_time_zone(articles, tmp_path):
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # already the 27th in Berlin
    config = make_config(
        articles, tmp_path / "out", schedule={"cron": "0 7 * * *", "timezone": "Europe/Berlin"}
    )
    result = run_digest(config, load_settings(), now=late, open_backend=opener(ByText()))
    assert result.markdown_path.name == "2026-11-27.md"


def test_the_terminal_progress_bar_runs_a_whole_digest(articles, tmp_path):
    from briefer.cli.digest import BarProgress

    bar = BarProgress()
    result = run_digest(
        make_config(articles, tmp_path / "out"),
        load_settings(),
        now=NOW,
        open_backend=opener(ByText()),
        progress=bar,
    )
    assert bar.bar.tasks[0].completed == 6 and result.status == "ok"
