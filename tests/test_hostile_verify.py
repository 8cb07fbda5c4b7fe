"""``briefer verify`` on forged files: valid JSON built to break the checker, not to pass it.

Every case is one file through the CLI. Malformed input (too deep, too large,
numbers out of range, booleans or strings where integers belong, lone
surrogates) is exit 2 with one line on stderr that names the field; a broken
invariant (a repeated citation, an article listed twice, a story naming an
article the digest lacks) is exit 1 with the failed check first on stdout.
Never a traceback, never "internal error".
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from synthetic import one_line_brief

from briefer.cli.main import cli
from briefer.digest.model import Digest, DigestArticle, DigestCitation, DigestFact, Story
from briefer.verify import load


def brief_data() -> dict:
    return json.loads(one_line_brief(3_000, seed=3).model_dump_json())


def digest_data() -> dict:
    """Two articles, one story, one fact citing a span of each (as the digest's citations [1] and [2])."""
    briefs = [one_line_brief(1_500, seed=n) for n in (1, 2)]
    articles = [
        DigestArticle(label=f"A{n}", title=f"Report {n}", addresses=[f"a{n}.txt"], origin="folder", brief=b)
        for n, b in enumerate(briefs, 1)
    ]
    citations = [
        DigestCitation(id=n, article=f"A{n}", span=b.citations[0].span, match="exact")
        for n, b in enumerate(briefs, 1)
    ]
    claim = briefs[0].facts[0].claim
    fact = DigestFact(claim=claim, kind="event", citations=[1], articles=["A1"], corroborated=False)
    story = Story(title="A story", articles=["A1", "A2"], facts=[fact])
    digest = Digest(name="day", date="2026-12-05", stories=[story], articles=articles, citations=citations)
    return json.loads(digest.model_dump_json())


def run(tmp_path, content: str | bytes):
    path = tmp_path / "forged.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return CliRunner().invoke(cli, ["verify", str(path)])


def edited(make: Callable[[], dict], edit: Callable[[dict], object]) -> str:
    data = make()
    edit(data)
    return json.dumps(data)


def _set(path: str, value) -> Callable[[dict], None]:
    """An edit that puts ``value`` at ``path`` ("citations.0.span.start")."""

    def edit(data: dict) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        for p in parents:
            data = data[p]
        data[last] = value

    return edit


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


BAD_BRIEFS = [
    ("nesting 100,000 deep", '{"article": ' + "[" * 100_000 + "]" * 100_000 + "}", "nesting deeper than"),
    ("nesting 40 deep", _set("facts.0.entities", _nested(40)), "brief.facts[0].entities[0]"),
    (
        "offset 10**30",
        _set("citations.0.span.start", 10**30),
        "brief.citations[0].span.start: a number of 31",
    ),
    (
        "offset -10**30",
        _set("citations.0.span.end", -(10**30)),
        "brief.citations[0].span.end: a number of 31",
    ),
    (
        "offset 2**62",
        _set("citations.0.span.end", 2**62),
        "brief.citations[0].span.end: 4611686018427387904 is not an offset",
    ),
    (
        "negative offset",
        _set("citations.0.span.start", -5),
        "brief.citations[0].span.start: -5 is not an offset",
    ),
    (
        "5000-digit integer",
        '{"meta": {"chunks": ' + "9" * 5000 + "}}",
        "brief.meta.chunks: a number of 5,000 digits",
    ),
    (
        "lone surrogate in the text",
        _set("article.text", "Kim \ud83d met Putin."),
        "brief.article.text: a lone surrogate (\\ud83d) at character 4",
    ),
    ("lone surrogate in a claim", _set("facts.0.claim", "\udc00"), "brief.facts[0].claim: a lone surrogate"),
    (
        "lone surrogate deep in a long list",
        _set("facts.0.entities", ["Kim"] * 100 + ["\ud83d"]),
        "brief.facts[0].entities[100]: a lone surrogate",
    ),
    (
        "huge number deep in a long list",
        _set("facts.0.citations", [1] * 100 + [10**30]),
        "brief.facts[0].citations[100]: a number of 31 digits",
    ),
    (
        "article over the briefer limit",
        _set("article.text", "word " * 400_001),
        "brief.article.text: 2,000,005 characters, more than the 2,000,000 briefer takes",
    ),
    (
        "boolean offset",
        _set("citations.0.span.start", True),
        "brief.citations[0].span.start: Input should be a valid integer",
    ),
    ("boolean id", _set("citations.0.id", False), "brief.citations[0].id: Input should be a valid integer"),
    ("string id", _set("citations.0.id", "1"), "brief.citations[0].id: Input should be a valid integer"),
    (
        "float offset",
        _set("citations.0.span.end", 12.0),
        "brief.citations[0].span.end: Input should be a valid integer",
    ),
    (
        "boolean fact citation",
        _set("facts.0.citations", [True]),
        "brief.facts[0].citations[0]: Input should be a valid integer",
    ),
    (
        "boolean count",
        _set("meta.usage.prompt_tokens", True),
        "brief.meta.usage.prompt_tokens: Input should be a valid integer",
    ),
    ("infinite score", lambda d: None, "brief.citations[0].score: inf is out of range"),
    ("NaN score", lambda d: None, "brief.citations[0].score: nan is out of range"),
]


def _content(case) -> str:
    name, forged, _ = case
    if isinstance(forged, str):
        return forged
    text = edited(brief_data, forged)
    if name == "infinite score":
        text = text.replace('"score":100.0', '"score":1e999', 1).replace(
            '"score": 100.0', '"score": 1e999', 1
        )
    if name == "NaN score":
        text = text.replace('"score": 100.0', '"score": NaN', 1)
    return text


@pytest.mark.parametrize("case", BAD_BRIEFS, ids=[c[0] for c in BAD_BRIEFS])
def test_a_malformed_brief_is_one_line_naming_the_field_and_exit_2(tmp_path, case):
    result = run(tmp_path, _content(case))
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert case[2] in first, result.stderr
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr


def test_a_file_over_the_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "MAX_BYTES", 1000)
    result = run(tmp_path, json.dumps(brief_data()))
    assert result.exit_code == 2
    assert result.stderr.startswith("briefer: error: ") and "more than verify reads" in result.stderr


def _brief_twice_cited(data: dict) -> None:
    data["facts"][0]["citations"] *= 2


def _citation_listed_twice(data: dict) -> None:
    data["citations"].append(dict(data["citations"][0]))


def _span_past_the_text(data: dict) -> None:
    end = len(data["article"]["text"])
    data["citations"][0]["span"].update(start=end + 5, end=end + 10)


def _article_listed_twice(data: dict) -> None:
    data["articles"].append(data["articles"][0])


def _story_names_a_missing_article(data: dict) -> None:
    data["stories"][0]["articles"].append("A4")


def _digest_fact_cites_twice(data: dict) -> None:
    data["stories"][0]["facts"][0]["citations"] = [1, 1]


FAILED_CHECKS = [
    ("fact citing [1, 1]", brief_data, _brief_twice_cited, "fact 1: cites [1] more than once"),
    ("citation listed twice", brief_data, _citation_listed_twice, "[1]: listed 2 times"),
    ("span past the text", brief_data, _span_past_the_text, "[1]: characters "),
    ("digest article listed twice", digest_data, _article_listed_twice, "articles: A1 listed 2 times"),
    (
        "story naming a missing article",
        digest_data,
        _story_names_a_missing_article,
        "story 1: names article A4",
    ),
    (
        "digest fact citing [1, 1]",
        digest_data,
        _digest_fact_cites_twice,
        "digest fact 1: cites [1] more than once",
    ),
]


@pytest.mark.parametrize(
    "make, edit, first", [c[1:] for c in FAILED_CHECKS], ids=[c[0] for c in FAILED_CHECKS]
)
def test_a_broken_invariant_is_a_failed_check_and_exit_1(tmp_path, make, edit, first):
    result = run(tmp_path, edited(make, edit))
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    assert first in result.stdout.splitlines()[0], result.stdout
    assert "check" in result.stdout.splitlines()[-1] and "failed" in result.stdout.splitlines()[-1]


@pytest.mark.parametrize("make", [brief_data, digest_data], ids=["brief", "digest"])
def test_the_untouched_files_pass(tmp_path, make):
    result = run(tmp_path, json.dumps(make()))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("all checks hold\n")


def test_a_digest_citation_with_a_boolean_offset_is_exit_2(tmp_path):
    result = run(tmp_path, edited(digest_data, _set("citations.0.span.start", True)))
    assert result.exit_code == 2
    assert "digest.citations[0].span.start: Input should be a valid integer" in result.stderr.splitlines()[0]


def test_an_internal_error_names_no_option_verify_lacks(tmp_path, monkeypatch):
    """The hint pointed to -v, which verify does not have (and -v shows no traceback: -vv does)."""
    import briefer.verify

    def boom(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(briefer.verify, "verify_brief", boom)
    result = run(tmp_path, json.dumps(brief_data()))
    assert result.stderr == "briefer: internal error: RuntimeError: boom\n"
