"""A CLI that says what it does (issue 12): backend announcement, progress, dry runs, templates, doctor,
the environment, several articles, and the small conventions (help, pipes, stdin, feeds, -m)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys

import pytest
import support
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT
from support import Loopback, Quiet, completion
from test_cli import ANSWER

from briefer.cli.main import cli
from briefer.config import Origin, Settings, env_var, env_vars, load_settings
from briefer.runtime import LOCAL_MAX_REASKS, Runtime

EMPTY = completion('{"facts": []}')


def base_url(server) -> str:
    return f"http://127.0.0.1:{server.server_port}/v1"


def run(server, *args, input=None):
    return CliRunner().invoke(cli, ["brief", *args, "--base-url", base_url(server)], input=input)


@pytest.fixture
def gets(monkeypatch):
    """Paths of every GET the stub server answers (``server.requests`` holds only the POSTs)."""
    seen: list[str] = []
    original = support.Handler.do_GET

    def do_get(handler):
        seen.append(handler.path)
        original(handler)

    monkeypatch.setattr(support.Handler, "do_GET", do_get)
    return seen


def python_briefer(*args: str) -> list[str]:
    return [sys.executable, "-m", "briefer", *args]


# --- 1. which backend, and progress ----------------------------------------------------------


def test_the_backend_model_and_why_are_announced_once_on_stderr(server, tmp_path):
    server.script = [completion(ANSWER), completion(ANSWER)]
    second = tmp_path / "second.txt"
    second.write_bytes(EXAMPLE.read_bytes())
    result = run(server, str(EXAMPLE), str(second), "--max-chunk-tokens", "4000")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"briefer: model stub-model at {base_url(server)} — --base-url on the command line"
    assert sum(" — " in line for line in lines) == 1
    assert f"briefer: {EXAMPLE}: chunk 1/1 done" in lines  # plain lines when stderr is not a terminal


def test_quiet_says_nothing(server):
    server.script = [completion(ANSWER)]
    result = run(server, str(EXAMPLE), "--max-chunk-tokens", "4000", "-q")
    assert result.exit_code == 0 and result.stderr == ""


def test_the_announcement_names_the_key_or_the_embedded_model(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    remote = Runtime.resolve(load_settings())
    assert remote.announcement("gpt-4o-mini") == "OpenAI gpt-4o-mini — OPENAI_API_KEY from the environment"
    monkeypatch.delenv("OPENAI_API_KEY")
    local = Runtime.resolve(load_settings())
    assert local.announcement(local.expected_model()) == (
        "embedded qwen2.5-coder-0.5b-instruct-q4_k_m on 127.0.0.1 — no API key or base URL set"
    )


def test_what_the_embedded_model_does_first_is_said(monkeypatch, tmp_path):
    from briefer.llm.local import model

    monkeypatch.setenv("BRIEFER_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(model, "packaged_parts", lambda: [tmp_path / "part01.bin"])
    runtime = Runtime.resolve(load_settings())
    assert runtime.first_use().startswith("assembling the embedded model into ")
    dest = model.default_model_path(tmp_path)
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"GGUF")
    assert runtime.first_use().startswith("verifying the embedded model's sha256")
    model._write_sidecar(dest, model.DEFAULT_MODEL_SHA256)
    assert runtime.first_use() is None


def test_starting_the_embedded_server_is_logged(tmp_path, caplog, monkeypatch):
    from briefer.llm.local.backend import LocalBackend

    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 16)
    backend = LocalBackend(load_settings({"model_path": gguf}))
    backend.server.port = 9  # never started: the client is only made
    monkeypatch.setattr(backend.server, "start", lambda: backend.server)
    with caplog.at_level("INFO", logger="briefer"):
        backend.start()
    assert any(r.getMessage().startswith("starting the embedded model server") for r in caplog.records)


def test_a_terminal_gets_a_progress_bar(server):
    server.respond = lambda body: EMPTY
    controller, terminal = pty.openpty()
    args = python_briefer("brief", str(EXAMPLE), "--base-url", base_url(server), "--max-chunk-tokens", "200")
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=terminal, env=env)
    os.close(terminal)
    shown = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 30)
        try:
            data = os.read(controller, 4096) if ready else b""
        except OSError:  # the child is gone and the terminal closed
            data = b""
        if not data:
            break
        shown += data
    proc.communicate(timeout=30)
    os.close(controller)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode("utf-8", "replace"))
    assert proc.returncode == 0
    assert re.search(r"briefing .*kim-putin-summit\.txt.* \d/\d chunks \d:\d\d:\d\d", text), text
    assert "chunk 1/" not in text  # the bar, not the plain lines


# --- 2. dry runs --------------------------------------------------------------------------------


def test_dry_run_shows_settings_with_their_origin_chunks_and_an_estimate(
    server, gets, monkeypatch, isolated_user_dirs
):
    (isolated_user_dirs / "config.toml").write_text("max_reasks = 3\n", encoding="utf-8")
    monkeypatch.setenv("BRIEFER_MAX_FACTS", "5")
    result = run(server, str(EXAMPLE), "--dry-run", "--max-tokens", "600", "--max-chunk-tokens", "200")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert server.requests == [] and gets == []  # nothing sent, not even a model list
    assert f"backend   remote: base URL {base_url(server)} is configured (command line --base-url)" in out
    assert re.search(r"max_tokens +600 +command line --max-tokens\n", out)
    assert re.search(rf"max_reasks +3 +config file {re.escape(str(isolated_user_dirs))}/config.toml\n", out)
    assert re.search(r"max_facts +5 +environment BRIEFER_MAX_FACTS\n", out)
    assert re.search(r"temperature +0.0 +default\n", out)
    ranges = [tuple(map(int, m)) for m in re.findall(r"chunk \d+  characters (\d+)–(\d+)", out)]
    text = EXAMPLE.read_text(encoding="utf-8")
    assert len(ranges) > 1 and ranges[0][0] == 0 and ranges[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))  # they tile the article
    assert re.search(r"estimate  about [\d,]+ prompt \+ [\d,]+ completion tokens in \d+ calls", out)


def test_dry_run_names_each_articles_language_and_the_local_models_own_re_asks(server, tmp_path):
    german = ROOT / "tests" / "data" / "languages" / "de.txt"
    result = run(server, str(EXAMPLE), str(german), "--dry-run", "--answer-language", "en")
    assert result.exit_code == 0, result.stderr
    assert "English (en, detected)" in result.stdout
    assert "German (de, detected), claims in English" in result.stdout
    result = CliRunner().invoke(cli, ["brief", str(german), "--dry-run", "--language", "fr"])
    assert "French (fr, set)" in result.stdout
    assert re.search(
        rf"max_reasks +{LOCAL_MAX_REASKS} +default \(decided for this run\)\n", result.stdout
    )  # the embedded model


def test_dry_run_never_shows_credentials_in_the_base_url():
    url = "http://alice:s3cret@127.0.0.1:9/v1"
    result = CliRunner().invoke(cli, ["brief", str(EXAMPLE), "--dry-run", "--base-url", url])
    assert (
        result.exit_code == 0
        and "s3cret" not in result.output
        and "http://***@127.0.0.1:9/v1" in result.output
    )


def test_show_prompt_prints_exactly_what_is_sent(server, gets):
    shown = run(server, str(EXAMPLE), "--show-prompt", "2", "--max-chunk-tokens", "200")
    assert shown.exit_code == 0, shown.stderr
    assert server.requests == [] and gets == []
    server.respond = lambda body: EMPTY
    assert run(server, str(EXAMPLE), "--max-chunk-tokens", "200", "-q").exit_code == 0
    assert json.loads(shown.stdout) in [r["messages"] for r in server.requests]


def test_show_prompt_out_of_range_is_one_line(server):
    result = run(server, str(EXAMPLE), "--show-prompt", "9", "--max-chunk-tokens", "4000")
    assert result.exit_code == 2 and "--show-prompt 9: the article has 1 chunk" in result.stderr


def test_digest_dry_run_sends_nothing_and_writes_nothing(server, gets, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(EXAMPLE.read_bytes())
    config = tmp_path / "digest.toml"
    config.write_text('name = "Desk"\noutput = "out"\n[sources]\npaths = ["in"]\n[settings]\nmax_facts = 6\n')
    result = CliRunner().invoke(cli, ["digest", str(config), "--dry-run", "--base-url", base_url(server)])
    assert result.exit_code == 0, result.stderr
    assert server.requests == [] and gets == [] and not (tmp_path / "out").exists()
    assert re.search(rf"max_facts +6 +digest config {re.escape(str(config))} \[settings\]", result.stdout)


# --- 3. templates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template, message",
    [
        ("nosuch", "use a built-in name (brief, summary) or a path"),
        ("digest", "'digest' is a digest template; a brief takes brief, summary or a .j2 file"),
    ],
)
def test_a_template_that_does_not_fit_is_refused_before_any_llm_call(server, template, message):
    result = run(server, str(EXAMPLE), "--template", template)
    assert result.exit_code == 2 and message in result.stderr
    assert server.requests == [] and len(result.stderr.splitlines()) == 1


def test_template_errors_name_the_file_and_line_before_any_llm_call(server, tmp_path):
    broken = tmp_path / "broken.md.j2"
    broken.write_text(
        "# {{ title }}\n\n{% for f in facts %}\n- {{ f.claim }\n{% endfor %}\n", encoding="utf-8"
    )
    result = run(server, str(EXAMPLE), "--template", str(broken))
    assert result.exit_code == 2 and server.requests == []
    assert f"Template '{broken}' has a syntax error at line 4: unexpected '}}'" in result.stderr
    digestish = tmp_path / "mine.j2"
    digestish.write_text("# {{ name }}\n{% for s in stories %}{{ s.title }}{% endfor %}\n", encoding="utf-8")
    result = run(server, str(EXAMPLE), "--template", str(digestish))
    assert (
        result.exit_code == 2 and "uses name, stories, which a brief template does not get" in result.stderr
    )


def test_a_template_failing_while_rendering_names_its_line(server, tmp_path):
    server.script = [completion(ANSWER)]
    typo = tmp_path / "typo.j2"
    typo.write_text("# {{ title }}\n{{ brief.nope }}\n", encoding="utf-8")
    result = run(server, str(EXAMPLE), "--template", str(typo), "--max-chunk-tokens", "4000")
    assert result.exit_code == 2 and f"Template '{typo}' failed at line 2:" in result.stderr


def test_template_with_json_is_an_error(server):
    result = run(server, str(EXAMPLE), "--format", "json", "--template", "summary")
    assert result.exit_code == 2 and "--format json has no template" in result.stderr
    assert server.requests == []


def test_templates_lists_and_shows_variables():
    listed = CliRunner().invoke(cli, ["templates"])
    assert listed.exit_code == 0
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [
        ["brief", "brief"],
        ["summary", "brief"],
        ["digest", "digest"],
    ]
    shown = CliRunner().invoke(cli, ["templates", "summary"]).stdout
    assert shown.startswith("summary: a brief template — an executive summary")
    assert "uses: article, citations, counts, facts, meta, title" in shown
    assert re.search(
        r"\n  bottom_line +up to two facts stated as fact, the one citing the article.s lead first", shown
    )
    source = CliRunner().invoke(cli, ["templates", "summary", "--source"]).stdout
    assert source.startswith("# Executive summary: {{ title }}")


def test_the_documented_variables_are_the_ones_templates_get(example):
    from briefer import brief_article
    from briefer.digest.assemble import digest_context
    from briefer.digest.model import Digest
    from briefer.output.render import VARIABLES, builtin_names, check_template, context
    from briefer.testing import FakeBackend

    brief = brief_article(example, FakeBackend({"facts": []}))
    assert set(context(brief)) == set(VARIABLES["brief"])
    digest = Digest(name="x", date="2026-01-01", stories=[], articles=[], citations=[])
    assert set(digest_context(digest)) == set(VARIABLES["digest"])
    for kind in VARIABLES:
        for name in builtin_names(kind):
            assert check_template(name, kind) <= set(VARIABLES[kind])
    assert "Variables of a brief template:" in CliRunner().invoke(cli, ["templates", "--help"]).stdout


# --- 4. doctor ----------------------------------------------------------------------------------


def test_doctor_fails_when_the_server_refuses_connections():
    result = CliRunner().invoke(cli, ["doctor", "--base-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 3
    assert "server        http://127.0.0.1:9/v1/models is not reachable" in result.stdout
    assert result.stderr.startswith("briefer: error: the remote backend cannot answer:")
    assert "llama-cpp-python" not in result.stdout and "model packages" not in result.stdout


def test_doctor_passes_on_an_answering_server_and_fails_when_it_lists_no_model(server, monkeypatch):
    result = CliRunner().invoke(cli, ["doctor", "--base-url", base_url(server)])
    assert result.exit_code == 0, result.output
    assert "models: stub-model" in result.stdout and "model         stub-model" in result.stdout
    monkeypatch.setattr(
        support.Handler, "do_GET", lambda h: h._answer(200, {}, {"object": "list", "data": []})
    )
    result = CliRunner().invoke(cli, ["doctor", "--base-url", base_url(server)])
    assert result.exit_code == 3 and "lists no models; pass --model" in result.stderr


def test_doctor_fails_when_the_embedded_model_has_no_model(monkeypatch, tmp_path):
    from briefer.llm.local import model

    monkeypatch.setenv("BRIEFER_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(model, "packaged_parts", lambda: None)
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 3 and "No local model is available" in result.stderr


def test_doctor_prints_the_config_file_it_read_and_a_missing_one_is_an_error(tmp_path):
    config = tmp_path / "elsewhere.toml"
    config.write_text("max_reasks = 1\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["doctor", "--config", str(config), "--base-url", "http://127.0.0.1:9/v1"]
    )
    assert f"config file   {config} (--config)" in result.stdout
    for command in (["doctor"], ["brief", str(EXAMPLE)]):
        missing = CliRunner().invoke(cli, [*command, "--config", str(tmp_path / "nope.toml")])
        assert missing.exit_code == 2 and "nope.toml (from --config) does not exist" in missing.stderr


# --- 5. the environment -------------------------------------------------------------------------

SAMPLES = {
    "model": "m", "base_url": "http://h.example/v1", "api_key": "sk-x", "structured_mode": "json_object",
    "max_chunk_tokens": "500", "max_tokens": "512", "chunk_concurrency": "2", "max_reasks": "1",
    "max_facts": "3", "temperature": "0.5", "timeout": "30", "attempts": "2", "cache": "false",
    "data_dir": "/tmp/d", "cache_dir": "/tmp/c", "model_path": "/tmp/m.gguf", "n_ctx": "2048",
    "n_threads": "3", "template": "summary", "language": "de", "answer_language": "en", "statements": "quote",
    "judge": "llm", "judge_model": "judge-m", "judge_base_url": "http://127.0.0.1:9/v1",
}  # fmt: skip


def test_every_setting_has_an_environment_variable(monkeypatch):
    assert set(SAMPLES) == set(Settings.model_fields), "add a sample for the new setting"
    for field, value in SAMPLES.items():
        monkeypatch.setenv(env_var(field), value)
    settings = load_settings()
    for field, value in SAMPLES.items():
        assert settings.origin(field) == Origin("environment", env_var(field))
        got = getattr(settings, field)
        got = got.get_secret_value() if field == "api_key" else got
        assert str(got).lower() == value or got == type(got)(value), field
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [v for v in env_vars() if v not in readme] == []


def test_environment_values_are_validated_by_name_and_used(server):
    server.script = [completion(ANSWER)]
    result = CliRunner().invoke(
        cli, ["brief", str(EXAMPLE), "--base-url", base_url(server)], env={"BRIEFER_MAX_TOKENS": "5"}
    )
    assert result.exit_code == 2 and "max_tokens (from environment BRIEFER_MAX_TOKENS)" in result.stderr
    assert server.requests == []
    env = {"BRIEFER_MAX_TOKENS": "512", "BRIEFER_MAX_CHUNK_TOKENS": "4000"}
    result = CliRunner().invoke(cli, ["brief", str(EXAMPLE), "--base-url", base_url(server)], env=env)
    assert result.exit_code == 0, result.stderr
    assert server.requests[0]["max_tokens"] == 512


@pytest.mark.parametrize("command", ["brief", "digest", "schedule", "doctor", "serve"])
def test_every_llm_command_mentions_the_environment(command):
    help_text = " ".join(CliRunner().invoke(cli, [command, "--help"]).stdout.split())
    assert (
        "BRIEFER_<NAME>" in help_text and "BRIEFER_MAX_TOKENS" in help_text and "OPENAI_API_KEY" in help_text
    )


# --- 7. small things ----------------------------------------------------------------------------


def test_bare_briefer_prints_help_to_stdout_and_succeeds():
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: ") and "  templates " in result.stdout


@pytest.mark.parametrize("args", [["doctor", "--base-url", "http://127.0.0.1:9/v1"], ["--help"]])
def test_a_reader_that_goes_away_ends_briefer_quietly(args):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    proc = subprocess.run(
        python_briefer(*args), stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60
    )
    os.close(write_end)
    assert proc.returncode == 141 and proc.stderr == ""


def test_doctor_into_head_never_complains_about_the_pipe():
    command = " ".join(python_briefer("doctor", "--base-url", "http://127.0.0.1:9/v1")) + " | head -1"
    proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60)
    assert proc.stdout.startswith("briefer ") and proc.stdout.count("\n") == 1
    assert "Broken pipe" not in proc.stderr and "Traceback" not in proc.stderr


def test_stdin_is_named_standard_input(server):
    server.script = [completion(ANSWER)]
    result = run(server, "-", "--max-chunk-tokens", "4000", input=EXAMPLE.read_bytes())
    assert result.stdout.splitlines()[2] == "_Source: standard input_"


def test_m_is_short_for_model(server):
    server.script = [completion(ANSWER)]
    assert run(server, str(EXAMPLE), "-m", "other-model", "--max-chunk-tokens", "4000").exit_code == 0
    assert server.requests[0]["model"] == "other-model"


def test_several_articles_go_to_stdout_one_after_another(server, tmp_path):
    second = tmp_path / "second.txt"
    second.write_bytes(EXAMPLE.read_bytes())
    server.respond = lambda body: completion(ANSWER)
    result = run(server, str(EXAMPLE), str(second), "--max-chunk-tokens", "4000", "--no-cache")
    assert result.exit_code == 0, result.stderr
    first, other = result.stdout.split("\n* * *\n\n")
    assert (
        first.startswith("# North Korea") and other.startswith("# North Korea") and len(server.requests) == 2
    )
    result = run(server, str(EXAMPLE), str(second), "--max-chunk-tokens", "4000", "--format", "json")
    assert [b["article"]["source"] for b in json.loads(result.stdout)] == [str(EXAMPLE), str(second)]


def test_several_articles_to_a_folder_one_file_each(server, tmp_path):
    server.respond = lambda body: completion(ANSWER)
    out = tmp_path / "briefs"
    result = run(
        server, str(EXAMPLE), "-", "-o", f"{out}/", "--max-chunk-tokens", "4000", input=EXAMPLE.read_bytes()
    )
    assert result.exit_code == 0, result.stderr
    names = ["kim-putin-summit.brief.md", "stdin.brief.md"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert result.stdout.splitlines() == [str(out / n) for n in names]


def test_every_article_is_read_before_any_is_sent_and_a_failure_does_not_sink_the_others(server, tmp_path):
    result = run(server, str(EXAMPLE), str(tmp_path / "nope.txt"))
    assert result.exit_code == 2 and server.requests == []
    bad = tmp_path / "bad.txt"
    bad.write_text("Kim flew to Vladivostok on Monday.\n", encoding="utf-8")
    server.script = [completion(ANSWER), *[completion("not json")] * 3]
    result = run(server, str(EXAMPLE), str(bad), "--max-chunk-tokens", "4000")
    assert result.exit_code == 3 and result.stdout.startswith("# North Korea")
    assert f"briefer: error: {bad}: " in result.stderr


class _Feeds(Quiet):
    FEEDS = {
        "/rss": ("application/rss+xml", b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>'),
        "/atom-as-xml": ("text/xml", b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"/>'),
    }

    def do_GET(self):  # noqa: N802
        ctype, body = self.FEEDS[self.path]
        self.send(200, {"Content-Type": ctype}, body)


@pytest.mark.parametrize("path", ["/rss", "/atom-as-xml"])
def test_a_url_that_is_a_feed_is_refused_with_a_hint(server, path, monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    feeds = Loopback(_Feeds)
    try:
        url = f"{feeds.base}{path}"
        result = run(server, url, "--allow-private-hosts")
    finally:
        feeds.close()
    assert result.exit_code == 2 and server.requests == []
    assert result.stderr.strip() == (
        f"briefer: error: {url} is an RSS/Atom feed, not an article; to brief its entries, list it under"
        " [sources] feeds = [...] in a digest config and run `briefer digest CONFIG`"
    )


def test_the_embedded_models_own_re_asks_are_in_the_stored_briefs_key(monkeypatch):
    """The embedded model's own re-asks unless max_reasks is set anywhere; the key says what ran."""

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BRIEFER_API_KEY", "BRIEFER_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    local = Runtime.resolve(load_settings())
    assert local.options.max_reasks == LOCAL_MAX_REASKS
    assert local.fingerprint()["max_reasks"] == str(LOCAL_MAX_REASKS)
    chosen = Runtime.resolve(load_settings({"max_reasks": 2}))
    assert chosen.options.max_reasks == 2 and chosen.fingerprint()["max_reasks"] == "2"
    assert local.brief_key("t", "x") != chosen.brief_key("t", "x")
    remote = Runtime.resolve(load_settings({"base_url": "http://127.0.0.1:9/v1"}))
    assert remote.options.max_reasks == 2
