"""What a new user meets in the first hour (issue 21): advice that names what to do, no surprises."""

from __future__ import annotations

import html
import logging
import re
import shutil
import subprocess
import time

from click.testing import CliRunner
from conftest import EXAMPLE, ROOT
from support import completion, error

from briefer import brief_article, load_article
from briefer.brief.extract import ExtractOptions
from briefer.cli.main import cli
from briefer.cli.progress import PlainChunks
from briefer.config import load_settings
from briefer.digest.keep import model_change
from briefer.digest.run import run_digest
from briefer.llm.cache import Tally
from briefer.models import Article
from briefer.output.formats import render
from briefer.sources.article import MIN_CHARS
from briefer.state.store import Store
from briefer.testing import FakeBackend, fact


def test_nothing_listening_without_a_model_says_it_cannot_reach_the_llm():
    result = CliRunner().invoke(cli, ["brief", str(EXAMPLE), "--base-url", "http://127.0.0.1:9/v1", "-q"])
    assert result.exit_code == 3
    assert result.stderr.startswith("briefer: error: Cannot reach the LLM at http://127.0.0.1:9/v1")
    assert "pass --model" not in result.stderr


def test_a_base_url_without_scheme_is_refused_as_malformed():
    result = CliRunner().invoke(cli, ["brief", str(EXAMPLE), "--base-url", "127.0.0.1:9/v1", "-m", "x"])
    assert result.exit_code == 2
    assert "--base-url" in result.stderr and ": '127.0.0.1:9/v1' is not an http(s) URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_refusing_a_private_address_names_the_flag_and_the_config_key():
    result = CliRunner().invoke(cli, ["brief", "http://127.0.0.1:9/page", "-m", "x"])
    assert result.exit_code == 2
    assert "--allow-private-hosts" in result.stderr and "allow_private_hosts = true" in result.stderr
    assert "allow_private " not in result.stderr


def test_dropped_facts_give_the_reader_a_finding_and_the_model_an_instruction():
    article = Article(
        text="Bridge works\nThe Velmora bridge closed on 2 May. Repairs cost 3 million euros. Traffic was light.",
        title="Bridge works",
    )
    invented = fact("The bridge reopened.", "The bridge reopened to traffic")
    unsupported = fact("Repairs cost 2,3 million euros.", "Repairs cost 3 million euros.")
    kept = fact("Traffic was light.", "Traffic was light.")
    backend = FakeBackend({"facts": [invented, unsupported, kept]}, {"facts": []})
    brief = brief_article(article, backend, options=ExtractOptions(max_reasks=1))
    reasons = [d.reason for d in brief.dropped]
    assert reasons == ["the quote is not in the article", "the quote does not mention 2,3"]
    reask = backend.history[1].messages[-1]["content"]
    assert "copy a quote exactly" in reask and "quote the text that says so" in reask
    markdown, html = render(brief, show_dropped=True), render(brief, fmt="html")
    for page in (markdown, html):
        assert "the quote does not mention 2,3" in page and "the quote is not in the article" in page
        assert "copy a quote exactly" not in page and "quote the text that says so" not in page


def test_the_default_number_of_reasks_is_stated_one_way(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    helptext = " ".join(CliRunner().invoke(cli, ["brief", "--help"]).stdout.split())
    server, local = re.search(r"\(default (\d+); (\d+) for the embedded model\)", helptext).groups()
    dry = CliRunner().invoke(
        cli, ["brief", str(EXAMPLE), "--dry-run", "--config", str(empty_config(tmp_path))]
    )
    assert re.search(rf"^  max_reasks +{local} ", dry.stdout, re.M), dry.stdout
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"`max_reasks` re-asks that name the problem ({server}; none for the embedded model" in readme
    assert local == "0" and "re-asked while re-asks remain (none by default for the embedded model)" in readme


def empty_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    return path


def test_a_text_too_short_to_be_an_article_is_refused_before_any_call(server, tmp_path):
    login = tmp_path / "login.txt"
    login.write_text("Home News About Email Password Sign in", encoding="utf-8")
    base = f"http://127.0.0.1:{server.server_port}/v1"
    result = CliRunner().invoke(cli, ["brief", str(login), "--base-url", base, "-m", "m"])
    assert result.exit_code == 2 and server.requests == []
    assert "No article text found in" in result.stderr and "(38 characters" in result.stderr
    menu = "Home | World | Business | Sport | Culture | Newsletters | Log in | Subscribe"
    both = CliRunner().invoke(cli, ["brief", str(EXAMPLE), "-", "--base-url", base, "-m", "m"], input=menu)
    assert both.exit_code == 2 and server.requests == []  # the other article is not sent either
    assert "No article text found in standard input (76 characters, not one sentence)" in both.stderr


def test_every_example_article_is_long_enough():
    for path in [EXAMPLE, *sorted((ROOT / "examples" / "articles").glob("*.txt"))]:
        text = " ".join(path.read_text(encoding="utf-8").split())
        assert len(text) >= MIN_CHARS, path


def test_a_digest_lists_a_login_page_as_not_covered_without_a_call(tmp_path):
    from test_digest import DATA, ByText, make_config, run

    shutil.copytree(DATA, tmp_path / "in")
    (tmp_path / "in" / "login.txt").write_text("Home News About Email Password Sign in\n", encoding="utf-8")
    backend = ByText()
    result = run(make_config(tmp_path / "in", tmp_path / "out"), backend)
    (missing,) = result.not_covered
    assert missing.source.endswith("login.txt") and missing.reason.startswith("No article text found in")
    assert not any("Password" in r.messages[-1]["content"] for r in backend.history)


def test_a_same_day_rerun_with_another_model_says_so_before_it_starts(monkeypatch, tmp_path):
    from test_digest import DATA, ByText, opener

    fake = opener(ByText())
    monkeypatch.setattr(
        "briefer.runtime.Runtime.backend", lambda self, store=None, *, lazy=True: fake(store, lazy=lazy)
    )
    shutil.copytree(DATA, tmp_path / "in")
    config = tmp_path / "digest.toml"
    config.write_text('name = "Desk"\noutput = "out"\n[sources]\npaths = ["in"]\n', encoding="utf-8")
    args = ["digest", str(config), "--base-url", "http://127.0.0.1:9/v1", "-m"]
    first = CliRunner().invoke(cli, [*args, "fake-model"])
    assert first.exit_code == 0 and "this run would use" not in first.stderr, first.output
    again = CliRunner().invoke(cli, [*args, "fake-model", "-q"])
    assert "this run would use" not in again.stderr
    other = CliRunner().invoke(cli, [*args, "other-model", "-q"])
    assert other.stderr.startswith(
        "briefer: today's digest was made with fake-model; this run would use other-model\n"
    )
    json_path = next((tmp_path / "out").glob("*.json"))
    said = model_change(json_path, "qwen2.5-0.5b", embedded=True)
    assert (
        said
        == "today's digest was made with fake-model; this run would use the embedded model (qwen2.5-0.5b)"
    )


def test_a_retried_request_says_so_and_why(server):
    from test_cli import ANSWER

    server.script = [error(503), completion(ANSWER)]
    base = f"http://127.0.0.1:{server.server_port}/v1"
    result = CliRunner().invoke(
        cli, ["brief", str(EXAMPLE), "--base-url", base, "-m", "m", "--max-chunk-tokens", "4000"]
    )
    assert result.exit_code == 0, result.output
    assert f"briefer: the LLM at {base}/: attempt 1 of 4 failed (HTTP 503); trying again" in result.stderr


def test_a_cached_brief_says_cached(server):
    from test_cli import ANSWER

    server.script = [completion(ANSWER)]
    base = f"http://127.0.0.1:{server.server_port}/v1"
    args = ["brief", str(EXAMPLE), "--base-url", base, "-m", "m", "--max-chunk-tokens", "4000"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0 and "(cached)" not in first.stderr
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and len(server.requests) == 1
    assert "briefer: chunk 1/1 done (cached)\n" in again.stderr
    assert "(cached) every answer came from the cache; no model was asked" in again.stderr


def test_a_digest_article_briefed_from_cached_answers_says_cached(tmp_path, caplog):
    from test_digest import DATA, ByText, make_config, opener

    shutil.copytree(DATA, tmp_path / "in")
    path = load_settings().state_path()

    def digest(out):
        caplog.clear()
        fake = opener(ByText(), store_path=path)
        run_digest(make_config(tmp_path / "in", tmp_path / out), load_settings(), open_backend=fake)
        return [r.getMessage() for r in caplog.records if "] " in r.getMessage()]

    with caplog.at_level(logging.INFO, logger="briefer.digest"):
        first = digest("out")
        assert first and all("] briefed: " in line for line in first), first
        store = Store(path)
        store.db.execute("DELETE FROM briefs")  # the briefs are gone, the model's answers are cached
        store.close()
        lines = digest("again")
    assert lines and all("] briefed (cached): " in line for line in lines), lines


class Slow(FakeBackend):
    """Answers after a pause, like a model at work."""

    def __init__(self, pause, *answers):
        super().__init__(*answers)
        self.pause = pause

    def chat(self, request):
        time.sleep(self.pause)
        return super().chat(request)


def test_off_a_terminal_a_heartbeat_says_elapsed_time_and_tokens_while_the_model_works(capsys):
    from test_cli import ANSWER

    backend = Tally(Slow(0.5, ANSWER))
    with PlainChunks("", backend, heartbeat=0.1) as progress:
        brief_article(
            load_article(str(EXAMPLE)), backend, options=ExtractOptions(max_reasks=0), on_chunk=progress
        )
        time.sleep(0.3)
    lines = capsys.readouterr().err.splitlines()
    beats = [line for line in lines if line.startswith("briefer: still working: ")]
    assert len(beats) >= 3, lines
    assert re.fullmatch(r"briefer: still working: \d+ s, chunk 1/1 done, \d+\+\d+ tokens so far", beats[-1])
    assert "briefer: chunk 1/1 done" in lines


def test_the_plain_progress_has_a_heartbeat_of_at_most_15_seconds():
    assert PlainChunks().heartbeat <= 15


def test_doctor_lists_only_its_own_flags():
    helptext = CliRunner().invoke(cli, ["doctor", "--help"]).stdout
    for brief_only in ("--max-chunk-tokens", "--language", "--no-cache", "--max-reasks", "--max-tokens"):
        assert brief_only not in helptext
    assert "--quick" in helptext and "--base-url" in helptext
    assert "--max-reasks" not in CliRunner().invoke(cli, ["serve", "--help"]).stdout


def test_doctor_asks_the_embedded_model_a_question_unless_quick(monkeypatch):
    import contextlib

    asked = []

    @contextlib.contextmanager
    def fake_open(settings, kind, *, store=None, lazy=True):
        asked.append((kind.value, lazy))
        yield FakeBackend({"answer": "blue"})

    monkeypatch.setattr("briefer.llm.select.open_backend", fake_open)
    monkeypatch.setattr("briefer.cli.checks.local_problem", lambda settings: None)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    quick = CliRunner().invoke(cli, ["doctor", "--quick"])
    assert quick.exit_code == 0 and asked == [] and not re.search(r"^answer ", quick.stdout, re.M)
    full = CliRunner().invoke(cli, ["doctor"])
    assert full.exit_code == 0 and asked == [("local", False)]
    assert re.search(r"^answer +'blue' in \d+\.\d s to a one-line question", full.stdout, re.M), full.stdout


def test_the_digest_page_has_the_overview_and_sources_of_the_markdown(tmp_path):
    from test_digest import DATA, NOW, ByText, make_config, opener
    from test_html import chromium_dom

    shutil.copytree(DATA, tmp_path / "in")
    config = make_config(tmp_path / "in", tmp_path / "out")
    result = run_digest(config, load_settings(), now=NOW, open_backend=opener(ByText()))
    markdown = result.markdown_path.read_text(encoding="utf-8")
    page = result.markdown_path.with_suffix(".html")
    html = page.read_text(encoding="utf-8")
    dom = chromium_dom(page) if shutil.which("chromium") else html
    assert "## Overview" in markdown and "<h2>Overview</h2>" in dom
    assert "## Sources" in markdown and "<h2>Sources</h2>" in dom
    overview = re.search(r'<ul class="overview">(.*?)</ul>', dom, re.S).group(1)
    titles = re.findall(r"^- \*\*(.+?)\*\*: ", markdown, re.M)
    assert titles and overview.count("<li") == len(titles) == len(result.digest.stories)
    assert all(f"<b>{title}</b>" in overview for title in titles)
    sources = re.search(r'<ul class="sources">(.*?)</ul>', dom, re.S).group(1)
    listed = re.findall(r"^- \*\*(\w+)\*\* (.+?) · ", markdown, re.M)
    assert len(listed) == len(result.digest.articles) == sources.count("<li")
    assert all(f"<b>{label}</b></a> {title}" in sources for label, title in listed)


def test_the_index_shows_each_days_story_titles_and_counts(tmp_path):
    from test_digest import DATA, NOW, ByText, make_config, opener

    shutil.copytree(DATA, tmp_path / "in")
    config = make_config(tmp_path / "in", tmp_path / "out")
    result = run_digest(config, load_settings(), now=NOW, open_backend=opener(ByText()))
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    stories, articles = len(result.digest.stories), len(result.digest.articles)
    assert f"{stories} stories from {articles} articles" in index
    assert all(f'<li dir="auto">{html.escape(s.title)}</li>' in index for s in result.digest.stories)


def test_the_command_list_does_not_cut_descriptions():
    listing = CliRunner().invoke(cli, ["--help"]).stdout.split("Commands:", 1)[1]
    assert "..." not in listing and "…" not in listing
    for name in cli.commands:
        assert re.search(rf"^  {name} +\S.*\.$", listing, re.M), name  # one whole sentence on its line


def test_every_column_of_the_template_list_has_a_header():
    first, *rows = CliRunner().invoke(cli, ["templates"]).stdout.splitlines()
    assert first.split() == ["NAME", "FOR", "SHOWS"]
    assert rows and all(row.split()[1] in ("brief", "digest") for row in rows)


def test_a_usage_error_looks_like_briefers_own_errors():
    result = CliRunner().invoke(cli, ["digest"], prog_name="briefer")
    assert result.exit_code == 2
    assert result.stderr == "briefer: error: Missing argument 'CONFIG' (see 'briefer digest --help')\n"
    unknown = CliRunner().invoke(cli, ["brief", "--nope"])
    assert unknown.exit_code == 2 and unknown.stderr.startswith("briefer: error: No such option '--nope'")
    assert "Usage:" not in unknown.stderr and len(unknown.stderr.splitlines()) == 1


def test_print_cron_sets_the_time_zone_for_briefer_alone_and_logs_its_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFER_DATA_DIR", str(tmp_path / "state"))
    config = tmp_path / "digest.toml"
    config.write_text(
        'name = "Desk"\n[sources]\npaths = ["in"]\n[schedule]\ncron = "0 7 * * *"\ntimezone = "Europe/Berlin"\n'
    )
    env_file = tmp_path / "env"
    env_file.write_text("BRIEFER_MODEL=m\n", encoding="utf-8")
    out = (
        CliRunner().invoke(cli, ["schedule", str(config), "--print-cron", "--env-file", str(env_file)]).stdout
    )
    log = tmp_path / "state" / "schedule.log"
    assert "CRON_TZ" not in out and log.parent.is_dir()
    (line,) = [x for x in out.splitlines() if x.startswith("0 7 * * * ")]
    assert line.endswith(f" 2>>{log}") and " TZ=Europe/Berlin exec " in line
    assert f"Environment=TZ=Europe/Berlin\nStandardError=append:{log}\n" in out
    # as cron's /bin/sh runs it, with a stand-in for briefer: TZ reaches it alone, its stderr is kept
    fake = tmp_path / "briefer"
    fake.write_text('#!/bin/sh\necho "TZ=$TZ $*" >&2\n', encoding="utf-8")
    fake.chmod(0o755)
    command = re.sub(r"exec \S+ digest", f"exec {fake} digest", line.split(" ", 5)[5])
    subprocess.run(["sh", "-c", command], check=True, env={"PATH": "/usr/bin:/bin"})
    assert log.read_text(encoding="utf-8") == f"TZ=Europe/Berlin digest {config.resolve()}\n"
    named = CliRunner().invoke(cli, ["logs"])
    assert f"briefer: errors of scheduled runs (cron, systemd) are in {log}" in named.stderr


def test_the_example_digest_config_works_when_copied_with_its_articles(monkeypatch, tmp_path):
    from test_digest import ByText, opener

    fake = opener(ByText())
    monkeypatch.setattr(
        "briefer.runtime.Runtime.backend", lambda self, store=None, *, lazy=True: fake(store, lazy=lazy)
    )
    examples = ROOT / "examples"
    shutil.copy(examples / "digest.toml", tmp_path / "digest.toml")
    shutil.copytree(examples / "articles", tmp_path / "articles")
    args = ["digest", str(tmp_path / "digest.toml"), "--base-url", "http://127.0.0.1:9/v1", "-m", "m"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    header = (examples / "digest.toml").read_text(encoding="utf-8").split("\nname = ", 1)[0]
    written = {re.sub(r"^\d{4}-\d\d-\d\d", "YYYY-MM-DD", p.name) for p in (tmp_path / "digest").iterdir()}
    assert written == {"YYYY-MM-DD.md", "YYYY-MM-DD.html", "YYYY-MM-DD.json", "digest.xml", "index.html"}
    for name in ("YYYY-MM-DD.md", ".html", ".json", "digest.xml", "index.html"):
        assert name in header
