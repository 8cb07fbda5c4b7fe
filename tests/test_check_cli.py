"""``briefer check``: the verdict, the span and the deciding check; exit 0 supported, 1 not, 2 bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import ROOT
from support import completion

from briefer.brief.judge import judge_names
from briefer.cli import check as check_module
from briefer.cli.main import cli

BRIDGE = str(ROOT / "examples" / "articles" / "korsund-bridge-closed.txt")
TEXT = (ROOT / "examples" / "articles" / "korsund-bridge-closed.txt").read_text(encoding="utf-8")
MAYOR = "Mayor Piet Varga said repairs could take at least six weeks."
AT = TEXT.index(MAYOR)


def run(*args, input=None):
    return CliRunner().invoke(cli, ["check", *args], input=input)


def test_a_supported_statement_exits_0_with_the_span_it_found():
    result = run(BRIDGE, "According to Mayor Piet Varga, repairs could take at least six weeks.")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"supported (structural checks)\nspan {AT}-{AT + len(MAYOR)} (found by briefer): {json.dumps(MAYOR)}\n"
    )


def test_a_wrong_statement_exits_1_naming_the_check():
    result = run(BRIDGE, "Mayor Piet Varga said repairs will take at least six weeks.")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        'not supported (modality check): the source says "could take", the statement "will take"'
    )


def test_json_gives_the_same_as_data_on_the_cited_spans():
    result = run(
        BRIDGE,
        "Repairs could take at most six weeks.",
        "--cite",
        f"{AT}-{AT + len(MAYOR)}",
        "--format",
        "json",
    )
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["label"] == "not_supported" and data["check"] == "quantifier" and not data["supported"]
    assert data["spans"] == [{"start": AT, "end": AT + len(MAYOR), "text": MAYOR}]
    assert data["span_found_by_briefer"] is False and data["words"] == ["at most"]


def test_standard_input_is_a_source():
    result = run("-", "Repairs will take weeks.", input="Repairs could take weeks.\n")
    assert result.exit_code == 1 and "modality" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["no-such-file.txt", "Repairs take weeks."], "no such file"),
        ([BRIDGE, "Repairs take weeks.", "--cite", "9-3"], "START < END"),
        ([BRIDGE, "Repairs take weeks.", "--cite", "twelve"], "START-END"),
        ([BRIDGE, "Repairs take weeks.", "--cite", "5-99999"], "outside the article"),
        ([BRIDGE, "   "], "the statement is empty"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_the_llm_judge_asks_the_configured_server_once(server):
    verdict = {"verdicts": [{"n": 1, "unsupported": ["harbour"], "label": "partly"}]}
    server.script = [completion(json.dumps(verdict))]
    base = f"http://127.0.0.1:{server.server_port}/v1"
    result = run(
        BRIDGE, MAYOR, "--judge", "llm", "--format", "json", "--base-url", base, "--model", "m", "--no-cache"
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["label"] == "partly" and data["check"] == "llm"
    (request,) = server.requests
    assert "Statement 1: " + MAYOR in request["messages"][-1]["content"]


def test_the_llm_judge_is_not_asked_about_what_the_checks_reject(server):
    base = f"http://127.0.0.1:{server.server_port}/v1"
    result = run(
        BRIDGE, "Mayor Piet Varga said repairs will take six weeks.", "--judge", "llm", "--base-url", base
    )
    assert result.exit_code == 1 and "modality" in result.output and server.requests == []


def test_a_judge_that_does_not_answer_exits_3(server):
    server.script = [completion("not json")]
    base = f"http://127.0.0.1:{server.server_port}/v1"
    result = run(BRIDGE, MAYOR, "--judge", "llm", "--base-url", base, "--model", "m", "--no-cache")
    assert result.exit_code == 3 and "judge" in result.output


def test_the_judge_choices_are_the_registered_judges():
    assert check_module.JUDGES == judge_names()
