"""``briefer verify``: a brief's JSON re-checked against its source, with nothing taken on trust."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE
from test_digest import DATA, ByText, make_config
from test_digest import run as run_digest
from test_html import SHIN, example_brief

from briefer.cli.main import cli
from briefer.errors import InputError
from briefer.verify import parse_brief, verify_brief


@pytest.fixture(scope="module")
def good() -> dict:
    return json.loads(example_brief().model_dump_json())


def verify(tmp_path, data, *extra):
    path = tmp_path / "brief.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return CliRunner().invoke(cli, ["verify", str(path), *extra])


def fact_citing(data: dict, words: str) -> dict:
    return next(f for f in data["facts"] if words in f["claim"])


def test_a_good_brief_passes(tmp_path, good):
    result = verify(tmp_path, good)
    assert result.exit_code == 0, result.stdout
    facts, cites = len(good["facts"]), len(good["citations"])
    assert result.stdout == f"verify: {facts} facts, {cites} citations: all checks hold\n"
    assert verify(tmp_path, good, str(EXAMPLE)).exit_code == 0


def test_a_different_source_fails(tmp_path, good):
    other = tmp_path / "other.txt"
    other.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("Vladivostok", "Vladivostock"), encoding="utf-8"
    )
    result = verify(tmp_path, good, str(other))
    assert result.exit_code == 1
    assert "source: the text differs from the brief's article from character" in result.stdout


def test_a_tampered_span_fails(tmp_path, good):
    data = json.loads(json.dumps(good))
    span = data["citations"][1]["span"]
    span["text"] = "X" + span["text"][1:]
    result = verify(tmp_path, data)
    assert result.exit_code == 1
    assert f"[{data['citations'][1]['id']}]: characters {span['start']}–{span['end']} are “" in result.stdout
    span["text"] = span["text"][:-1]  # no longer even the length of its range
    assert verify(tmp_path, data).exit_code == 1


def test_a_claim_naming_a_number_its_spans_do_not_fails(tmp_path, good):
    data = json.loads(json.dumps(good))
    fact = fact_citing(data, "Putin visited North Korea")
    fact["claim"] = fact["statement"] = "Putin visited North Korea in July 2003."
    result = verify(tmp_path, data)
    assert result.exit_code == 1
    assert "do not say 2003" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("1 check failed")


def test_a_removed_speaker_fails(tmp_path, good):
    data = json.loads(json.dumps(good))
    fact = fact_citing(data, "political blessing")
    assert fact["attribution"]["speaker"] == "Shin Beom-chul"
    fact["attribution"] = {}
    result = verify(tmp_path, data)
    assert result.exit_code == 1
    assert (
        "the source reports this (speaker: Shin Beom-chul), but the brief states it as fact" in result.stdout
    )
    fact["statement"] = fact["claim"]
    assert "the statement does not say who says it" in verify(tmp_path, data).stdout


def test_a_statement_that_drops_its_claim_fails(good):
    data = json.loads(json.dumps(good))
    fact_citing(data, "Vladivostok")["statement"] = "Informed sources say Kim and Putin will meet in Seoul."
    assert any("does not say what the claim says" in p for p in verify_brief(parse_brief(data)))


def test_a_marker_that_resolves_to_nothing_fails(good):
    data = json.loads(json.dumps(good))
    data["facts"][0]["citations"] = [99]
    problems = verify_brief(parse_brief(data))
    assert "fact 1: cites [99], which the brief does not list" in problems
    assert any(p.startswith("markdown: no resolving marker on: ") for p in problems)


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "is not JSON"),
        ("[1, 2]", "expected an object"),
        ('{"article": {"text": "x"}}', "no 'citations'"),
        ('{"article": {"text": 5}, "facts": [], "citations": [], "meta": {}}', "brief.article.text"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = CliRunner().invoke(cli, ["verify", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_an_unreadable_file_is_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and result.stderr.startswith("briefer: error: cannot read ")


def test_parse_brief_reports_shape_errors_as_input_errors():
    with pytest.raises(InputError, match="unknown field 'extra'"):
        parse_brief({"article": {"text": "x"}, "facts": [], "citations": [], "meta": {}, "extra": 1})


@pytest.fixture
def digest_json(tmp_path):
    shutil.copytree(DATA, tmp_path / "in")
    result = run_digest(make_config(tmp_path / "in", tmp_path / "out"), ByText())
    return result.json_path


def test_a_digest_passes_and_a_tampered_digest_citation_fails(tmp_path, digest_json):
    assert digest_json.with_suffix(".html").is_file()
    result = CliRunner().invoke(cli, ["verify", str(digest_json)])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("verify: 6 articles, ") and "all checks hold" in result.stdout
    data = json.loads(digest_json.read_text(encoding="utf-8"))
    data["citations"][0]["span"]["start"] += 1
    data["citations"][0]["span"]["end"] += 1
    result = verify(tmp_path, data)
    assert result.exit_code == 1 and "[1] (A" in result.stdout
    assert CliRunner().invoke(cli, ["verify", str(digest_json), str(EXAMPLE)]).exit_code == 2


def test_the_quoted_speaker_is_in_the_example(good):
    """The fixture carries what the attribution tests need: a direct quote with its speaker cited."""
    fact = fact_citing(good, "political blessing")
    cited = {c["id"]: c["span"]["text"] for c in good["citations"]}
    assert SHIN in [cited[i] for i in fact["citations"]]
    assert cited[fact["attribution"]["speaker_citation"]] == "Shin Beom-chul"


def test_judge_llm_adds_the_models_verdicts_in_one_request(tmp_path, server, monkeypatch):
    from conftest import ROOT
    from support import completion

    data = json.loads((ROOT / "examples" / "kim-putin-summit.brief.json").read_text(encoding="utf-8"))
    n = len(data["facts"])
    verdicts = [{"n": k, "unsupported": [], "label": "supported"} for k in range(1, n + 1)]
    verdicts[1] = {"n": 2, "unsupported": [], "label": "not_supported"}
    server.script = [completion(json.dumps({"verdicts": verdicts}))]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("BRIEFER_MODEL", "m")
    assert verify(tmp_path, data).exit_code == 0 and server.requests == []  # no model without --judge llm
    result = verify(tmp_path, data, "--judge", "llm")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == "fact 2: llm: the judge finds the source does not support it"
    assert len(server.requests) == 1


def test_a_statement_that_negates_its_span_fails_a_check_of_meaning(tmp_path, good):
    data = json.loads(json.dumps(good))
    fact = fact_citing(data, "Putin visited North Korea")
    assert verify(tmp_path, data).exit_code == 0
    fact["claim"] = fact["statement"] = fact["statement"].replace("Putin visited", "Putin never visited")
    result = verify(tmp_path, data)
    assert result.exit_code == 1
    assert any(line.startswith("fact ") and ": polarity: " in line for line in result.stdout.splitlines())


def test_a_report_said_to_corroborate_must_carry_the_statement(tmp_path):
    from conftest import ROOT

    data = json.loads((ROOT / "examples" / "digest" / "2026-11-27.json").read_text(encoding="utf-8"))
    assert verify(tmp_path, data).exit_code == 0
    fact = data["stories"][0]["facts"][0]  # A1: the bridge closed after a night of storms
    storm = next(c for c in data["citations"] if c["article"] == "A4" and "storm" in c["span"]["text"])
    fact.update(citations=[*fact["citations"], storm["id"]], articles=["A1", "A4"], corroborated=True)
    fact["corroborated_by"] = ["A1", "A4"]
    result = verify(tmp_path, data)
    assert result.exit_code == 1
    assert "A4's spans: words: the cited text does not say" in result.stdout
