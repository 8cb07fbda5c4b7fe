"""The command line end to end, against a real OpenAI-compatible stub server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE
from support import completion

from briefer.cli.main import cli
from briefer.models import Brief
from briefer.output.check import uncited_lines
from briefer.testing import fact

ANSWER = json.dumps(
    {
        "facts": [
            fact(
                "Kim will fly to Russia for a summit with Putin.",
                "Kim Jong-un will fly to Russia later this week for his first ever summit with Russian strongman Vladimir Putin",
                entities=["Kim Jong-un", "Vladimir Putin"],
            ),
            fact(
                "Kim and Putin will meet in Vladivostok.",
                "Kim and Putin will meet at Russia\u2019s Asian city of Vladivostok",
                kind="place",
            ),
        ]
    }
)


def run(server, *args, input=None):
    base = f"http://127.0.0.1:{server.server_port}/v1"
    return CliRunner().invoke(
        cli, ["brief", *args, "--base-url", base, "--max-chunk-tokens", "4000"], input=input
    )


def test_brief_prints_a_cited_markdown_brief(server):
    server.script = [completion(ANSWER)]
    result = run(server, str(EXAMPLE))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# North Korea's Kim Jong Un")
    assert "- Kim will fly to Russia for a summit with Putin. [1]" in result.stdout
    assert "characters 668\u2013729" in result.stdout
    assert server.requests[0]["model"] == "stub-model"  # the server's first model when none is given


def test_json_output_carries_spans_any_consumer_can_verify(server):
    server.script = [completion(ANSWER)]
    result = run(server, str(EXAMPLE), "--format", "json")
    data = json.loads(result.stdout)
    text = data["article"]["text"]
    assert text == EXAMPLE.read_text(encoding="utf-8")
    for c in data["citations"]:
        assert set(c["span"]) == {"start", "end", "text"}
        assert text[c["span"]["start"] : c["span"]["end"]] == c["span"]["text"]
    brief = Brief.model_validate(data)
    assert brief.meta.counts.grounded == 2


def test_rerun_is_served_from_the_cache_byte_for_byte(server, tmp_path):
    server.script = [completion(ANSWER)]
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    assert run(server, str(EXAMPLE), "-o", str(first)).exit_code == 0
    assert run(server, str(EXAMPLE), "-o", str(second)).exit_code == 0
    assert len(server.requests) == 1
    assert first.read_bytes() == second.read_bytes()


def test_no_cache_asks_again(server):
    server.script = [completion(ANSWER), completion(ANSWER)]
    run(server, str(EXAMPLE))
    run(server, str(EXAMPLE), "--no-cache")
    assert len(server.requests) == 2


def test_stdin_and_templates(server, tmp_path):
    server.script = [completion(ANSWER)]
    result = run(server, "-", "--template", "summary", input=EXAMPLE.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Executive summary: North Korea")
    custom = tmp_path / "mine.j2"
    custom.write_text("{% for f in facts %}* {{ f.claim }} {{ f | cites }}\n{% endfor %}", encoding="utf-8")
    result = run(server, "-", "--template", str(custom), input=EXAMPLE.read_bytes())
    assert result.stdout.splitlines()[0] == "* Kim will fly to Russia for a summit with Putin. [1]"


def test_every_statement_of_the_brief_is_cited(server):
    server.script = [completion(ANSWER)]
    result = run(server, str(EXAMPLE), "--format", "json")
    brief = Brief.model_validate_json(result.stdout)
    from briefer.output.formats import render

    for template in ("brief", "summary"):
        assert uncited_lines(render(brief, template=template), brief) == []


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"  \n\t \n", "only whitespace"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"caf\xe9 au lait", "not valid UTF-8"),
        (b"\x00\x01binary", "binary"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(server, tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = tmp_path / "out.md"
    result = run(server, str(bad), "-o", str(out))
    assert result.exit_code != 0
    assert message.lower() in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists() and server.requests == []


def test_missing_file(server, tmp_path):
    result = run(server, str(tmp_path / "nope.txt"))
    assert result.exit_code == 2 and "nope.txt: no such file" in result.stderr


def test_unreachable_endpoint_is_one_line():
    args = ["brief", str(EXAMPLE), "--base-url", "http://127.0.0.1:9/v1", "--model", "m"]
    result = CliRunner().invoke(cli, [*args, "-q"])
    assert result.exit_code == 3
    assert result.stderr.startswith("briefer: error: Cannot reach the LLM at http://127.0.0.1:9/v1")
    assert len(result.stderr.strip().splitlines()) == 1
    announced, *retried, error = CliRunner().invoke(cli, args).stderr.strip().splitlines()  # without -q
    assert retried and all("failed (the connection failed); trying again" in line for line in retried)
    assert announced == "briefer: model m at http://127.0.0.1:9/v1 — --base-url on the command line"
    assert error.startswith("briefer: error: Cannot reach the LLM")


def test_llm_that_keeps_answering_garbage_fails_cleanly_and_writes_nothing(server, tmp_path):
    server.script = [completion("not json")] * 3
    out = tmp_path / "out.md"
    result = run(server, str(EXAMPLE), "-o", str(out))
    assert result.exit_code == 3
    assert "kept returning invalid output after 2 re-asks" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_config_names_the_key(server, isolated_user_dirs):
    (isolated_user_dirs / "config.toml").write_text("max_reasks = 'many'\ncolour = 1\n", encoding="utf-8")
    result = run(server, str(EXAMPLE))
    assert result.exit_code == 2
    assert "max_reasks" in result.stderr and "colour: unknown key" in result.stderr


def test_unknown_template_lists_the_built_in_ones(server):
    server.script = [completion(ANSWER)]
    result = run(server, str(EXAMPLE), "--template", "fancy")
    assert result.exit_code == 2 and "use a built-in name (brief, summary) " in result.stderr
    assert server.requests == []  # refused before any LLM call


def test_the_api_key_is_never_a_command_line_option():
    assert "--api-key" not in CliRunner().invoke(cli, ["brief", "--help"]).stdout


def test_api_key_from_the_environment_reaches_the_server(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-from-env")
    server.script = [completion(ANSWER)]
    assert run(server, str(EXAMPLE)).exit_code == 0
    assert server.headers[-1].get("authorization") == "Bearer sk-test-from-env"
