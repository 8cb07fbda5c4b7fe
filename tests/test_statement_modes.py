"""Which statements a run makes (quote or paraphrase, decided once), the judge's fallback, and
statements the code writes itself (one subject, a capital first letter)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from briefer.brief.attribution import voice_of
from briefer.brief.extract import ExtractOptions
from briefer.brief.pipeline import brief_article
from briefer.brief.speakers import Speaker
from briefer.brief.statement import attributed
from briefer.cli.main import cli
from briefer.config import load_settings
from briefer.llm.select import BackendKind
from briefer.runtime import Runtime, statement_mode
from briefer.testing import FakeBackend, fact

PARAPHRASE = ExtractOptions(statements="paraphrase", max_reasks=0)
ANSWER = {
    "facts": [
        fact(
            "Kim will fly to Russia this week for a summit with Putin.",
            "North Korean leader Kim Jong-un will fly to Russia later this week",
        ),
        fact(
            "Putin has sought to reinvigorate ties with North Korea.",
            "Putin has since sought to reinvigorate ties with North Korea.",
        ),
    ]
}


class FakeJudge:
    """Fails the statements that contain one of ``reject``; records what it was asked."""

    def __init__(self, *reject: str):
        self.reject = reject
        self.asked: list[list[tuple[str, list]]] = []

    def __call__(self, items):
        self.asked.append(items)
        return [(not any(r in s for r in self.reject), "the span does not say so") for s, _ in items]


def test_a_paraphrase_the_judge_fails_falls_back_to_the_quote_of_its_spans(example):
    judge = FakeJudge("summit with Putin")
    backend = FakeBackend(ANSWER)
    brief = brief_article(example, backend, max_chunk_tokens=4000, options=PARAPHRASE, judge=judge)
    assert backend.calls == 1 and len(judge.asked) == 1  # one judge call per chunk, no re-ask
    (items,) = judge.asked
    assert [s for s, _ in items] == [f["claim"] for f in ANSWER["facts"]]
    assert all(spans and all(example.text[s.start : s.end] == s.text for s in spans) for _, spans in items)
    first, second = brief.facts
    assert first.statement.startswith(
        "North Korean leader Kim Jong-un will fly to Russia later this week for his first ever summit"
    )  # the whole sentence its span is in, not the model's words
    assert second.statement == "Putin has sought to reinvigorate ties with North Korea."
    counts = brief.meta.counts
    assert counts.quoted_fallbacks == 1 and counts.dropped == 0 and brief.meta.statements == "paraphrase"


def test_a_judge_may_answer_with_verdict_objects(example):
    class Verdict:
        def __init__(self, ok):
            self.ok, self.reason = ok, "checked"

    brief = brief_article(
        example,
        FakeBackend(ANSWER),
        max_chunk_tokens=4000,
        options=PARAPHRASE,
        judge=lambda items: [Verdict(False) for _ in items],
    )
    assert brief.meta.counts.quoted_fallbacks == 2
    assert all(f.statement == f.claim for f in brief.facts)  # quotes: the claim is the sentence


def test_without_a_judge_paraphrase_mode_is_unchanged(example):
    brief = brief_article(example, FakeBackend(ANSWER), max_chunk_tokens=4000, options=PARAPHRASE)
    assert [f.statement for f in brief.facts] == [f["claim"] for f in ANSWER["facts"]]
    assert brief.meta.counts.quoted_fallbacks == 0


def test_quote_mode_never_asks_the_judge(example):
    judge = FakeJudge("")
    sentence = "Putin has since sought to reinvigorate ties with North Korea."
    backend = FakeBackend({"facts": [{"quote": sentence}]})
    options = ExtractOptions(statements="quote", max_reasks=0)
    brief = brief_article(example, backend, max_chunk_tokens=4000, options=options, judge=judge)
    assert judge.asked == [] and [f.statement for f in brief.facts] == [sentence]
    assert "claim" not in backend.history[0].schema["properties"]["facts"]["items"]["properties"]


@pytest.mark.parametrize(
    ("statements", "judge", "kind", "mode"),
    [
        ("auto", "none", BackendKind.local, "quote"),
        ("auto", "none", BackendKind.remote, "quote"),
        ("auto", "llm", BackendKind.remote, "paraphrase"),
        ("auto", "llm", BackendKind.local, "quote"),
        ("paraphrase", "none", BackendKind.local, "paraphrase"),
        ("quote", "llm", BackendKind.remote, "quote"),
    ],
)
def test_the_mode_is_decided_once_at_the_edge(monkeypatch, statements, judge, kind, mode):
    monkeypatch.delenv("BRIEFER_STATEMENTS")
    settings = load_settings({"statements": statements, "judge": judge})
    assert statement_mode(settings, kind) == mode


def test_auto_is_the_default_and_the_run_shows_what_it_decided(monkeypatch):
    monkeypatch.delenv("BRIEFER_STATEMENTS")
    runtime = Runtime.resolve(load_settings())
    assert runtime.settings.statements == "auto" and runtime.options.statements == "quote"
    assert runtime.fingerprint()["statements"] == "quote"
    monkeypatch.setenv("BRIEFER_STATEMENTS", "paraphrase")
    assert Runtime.resolve(load_settings()).options.statements == "paraphrase"


def test_dry_run_shows_the_mode_and_a_bad_one_is_refused(monkeypatch, example, tmp_path):
    monkeypatch.delenv("BRIEFER_STATEMENTS")
    path = tmp_path / "a.txt"
    path.write_text(example.text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["brief", str(path), "--dry-run"])
    assert result.exit_code == 0
    row = next(line for line in result.stdout.splitlines() if line.strip().startswith("statements"))
    assert "quote" in row and "decided for this run" in row
    result = CliRunner().invoke(cli, ["brief", str(path), "--dry-run", "--statements", "paraphrase"])
    assert "command line --statements" in result.stdout
    assert CliRunner().invoke(cli, ["brief", str(path), "--statements", "words"]).exit_code == 2


# --- statements the code writes itself: the subject once, a capital first ------------------------


def _voice(text: str, sentence: str):
    start = text.index(sentence)
    return voice_of(text, start, start + len(sentence))


def test_a_group_that_is_the_subject_is_named_once():
    text = "A citizens' group has announced that it will challenge the decision in court.\n"
    voice = _voice(text, text.strip())
    out = attributed("A citizens' group has challenged the decision in court.", voice, text=text)
    assert out == "A citizens' group says it has challenged the decision in court."
    assert out.lower().count("citizens' group") == 1


def test_a_company_that_is_the_subject_is_named_once():
    text = "Nordlit Materials, the developer, said it plans to invest 420 million euros.\n"
    voice = _voice(text, text.strip())
    out = attributed("Nordlit Materials plans to invest 420 million euros.", voice, text=text)
    assert out == "Nordlit Materials, the developer, says it plans to invest 420 million euros."


def test_a_person_that_is_the_subject_gets_the_articles_pronoun():
    speaker = Speaker("Ines Varela", 0, 11, "councillor", 13, 23, True)
    text = "Ines Varela, councillor, said she will vote against the refinery.\n"
    voice = voice_of(text, 0, len(text.strip()))
    out = attributed("Ines Varela will vote against the refinery.", voice, text=text)
    assert voice.speaker.name == speaker.name
    assert out == "Councillor Ines Varela says she will vote against the refinery."


def test_an_as_clause_is_not_a_speaker_and_keeps_its_own_verb():
    text = "As the elections in Afghanistan showed, the ink can be washed off with bleach.\n"
    voice = _voice(text, text.strip())
    out = attributed("As the elections in Afghanistan showed, the ink can be washed off.", voice)
    assert out == "As the elections in Afghanistan showed, the ink can be washed off."
    assert voice.speaker is None or not voice.speaker.name.startswith("As ")


def test_a_statement_starts_with_a_capital():
    plain = voice_of("the bridge closed.", 0, 18)
    assert attributed("the bridge closed.", plain) == "The bridge closed."
    text = "Analysts said the bridge will close.\n"
    assert attributed("the bridge will close.", _voice(text, text.strip()))[0].isupper()


def test_the_cli_briefs_in_quote_mode_against_a_server(server, example, tmp_path):
    """A server with no judge gets quote mode by default: the brief holds the article's own sentences."""
    import json

    from support import completion

    def respond(body):
        response_format = body["response_format"]
        schema = response_format.get("schema") or response_format["json_schema"]["schema"]
        enum = schema["properties"]["facts"]["items"]["properties"]["quote"]["enum"]
        return completion(json.dumps({"facts": [{"quote": q} for q in enum[:3]]}))

    server.respond = respond
    path = tmp_path / "a.txt"
    path.write_text(example.text, encoding="utf-8")
    base = f"http://127.0.0.1:{server.server_port}/v1"
    args = ["brief", str(path), "--base-url", base, "--format", "json", "--statements", "auto"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    brief = json.loads(result.stdout)
    assert brief["meta"]["statements"] == "quote"
    for quoted in brief["facts"]:
        assert " ".join(quoted["statement"].split()) in " ".join(example.text.split())


def test_the_runtime_judges_paraphrases_with_the_structural_checks_and_a_judge_server(example, server):
    """judge = "llm" with judge_base_url: the structural checks, then one request to the judge's own server;
    a paraphrase either fails falls back to its quote."""
    import json

    from support import completion

    wrong = fact(
        "Putin will not seek to reinvigorate ties with North Korea.",
        "Putin has since sought to reinvigorate ties with North Korea.",
    )  # a negation the structural checks catch before the model is asked
    answer = {"facts": [*ANSWER["facts"], wrong]}
    server.script = [completion(json.dumps({"verdicts": [
        {"n": 1, "unsupported": ["summit"], "label": "not_supported"},
        {"n": 2, "unsupported": [], "label": "supported"},
    ]}))]  # fmt: skip
    settings = load_settings({
        "base_url": "http://127.0.0.1:9/v1", "model": "m", "statements": "paraphrase", "cache": False,
        "judge": "llm", "judge_model": "judge-m", "judge_base_url": f"http://127.0.0.1:{server.server_port}/v1",
    })  # fmt: skip
    runtime = Runtime.resolve(settings)
    brief = runtime.brief(example, FakeBackend(answer), concurrency=1)
    (request,) = server.requests  # the judge's server, asked once, about the two the checks passed
    assert request["model"] == "judge-m" and "Statement 2: " in request["messages"][-1]["content"]
    assert "Statement 3" not in request["messages"][-1]["content"]
    statements = [f.statement for f in brief.facts]
    assert statements[0].startswith("North Korean leader Kim Jong-un will fly to Russia later this week for")
    assert "Putin has sought to reinvigorate ties with North Korea." in statements
    assert not any("will not seek" in s for s in statements)
    assert brief.meta.counts.quoted_fallbacks == 2


def test_the_footer_says_what_the_statements_are(example):
    from briefer.output.formats import render

    judge = FakeJudge("summit with Putin")
    brief = brief_article(
        example, FakeBackend(ANSWER), max_chunk_tokens=4000, options=PARAPHRASE, judge=judge
    )
    assert "1 paraphrase the judge did not pass shown in the article's words" in render(brief)
    assert "quote mode" not in render(brief)
    quoted = brief.model_copy(update={"meta": brief.meta.model_copy(update={"statements": "quote"})})
    for fmt in ("md", "html"):
        assert "statements in the article" in render(quoted, fmt=fmt) and "quote mode" in render(
            quoted, fmt=fmt
        )


def test_quote_mode_opens_no_judge_backend(example, monkeypatch):
    from test_one_chain import EchoBackend

    import briefer.runtime as runtime_module

    def refuse(*args, **kwargs):
        raise AssertionError("a quote-mode brief opened the judge's backend")

    monkeypatch.setattr(runtime_module, "open_backend", refuse)
    settings = load_settings({
        "base_url": "http://127.0.0.1:9/v1", "model": "m", "statements": "quote", "cache": False,
        "judge": "llm", "judge_base_url": "http://127.0.0.1:9/v2",
    })  # fmt: skip
    brief = Runtime.resolve(settings).brief(example, EchoBackend(), concurrency=1)
    assert brief.facts and brief.meta.statements == "quote"
