"""The llm judge's plumbing, on a scripted backend: one request per batch, structural checks first."""

from __future__ import annotations

import json

import pytest
from test_judge import CAFE, PEOPLE, REPAIRS, SALES

from briefer.brief.judge import get_judge
from briefer.brief.judge.llm import LLMJudge, judge_messages
from briefer.errors import LLMError
from briefer.testing import FakeBackend

GOOD = ("About 4,000 people walk on the pier on a summer weekday.", PEOPLE)
ALSO_GOOD = ("Ticket sales fell 12 percent last year.", SALES)
WRONG = ("Board engineer Maja Lind said repairs will take at least six weeks.", REPAIRS)


def answer(*verdicts):
    return {"verdicts": [{"n": n, "label": label, "unsupported": words} for n, label, words in verdicts]}


def test_only_the_statements_the_checks_pass_reach_the_model_in_one_request():
    backend = FakeBackend(answer((1, "supported", []), (2, "not_supported", ["fell", "Sunday"])))
    verdicts = get_judge("llm", backend).judge([GOOD, WRONG, ALSO_GOOD])
    assert backend.calls == 1
    assert [(v.label, v.check) for v in verdicts] == [
        ("supported", "llm"),
        ("not_supported", "modality"),
        ("not_supported", "llm"),
    ]
    assert verdicts[2].words == ("fell",)  # "Sunday" is not the statement's word
    request = backend.history[0]
    assert request.schema_name == "judgement"
    assert request.schema["properties"]["verdicts"]["minItems"] == 2
    user = request.messages[-1]["content"]
    assert "Statement 1: About 4,000 people" in user and "Statement 2: Ticket sales" in user
    assert "will take" not in user


def test_a_batch_the_checks_reject_entirely_asks_nothing():
    backend = FakeBackend()
    verdicts = LLMJudge(backend).judge([WRONG])
    assert backend.calls == 0 and verdicts[0].check == "modality"


def test_partly_is_not_ok_and_says_why():
    backend = FakeBackend(answer((1, "partly", ["summer"])))
    (verdict,) = LLMJudge(backend).judge([GOOD])
    assert verdict.label == "partly" and not verdict.ok
    assert verdict.reason == "the judge finds the source partly supports it: summer"


def test_the_cited_span_is_marked_inside_its_sentence():
    start = CAFE.spans[0][0]
    evidence = type(CAFE)(CAFE.text, ((start + 9, start + 13),))
    (_, user) = judge_messages([("The café is expected to reopen.", evidence)])
    assert "Passages 1: The pier [[café]] is expected to reopen in June." in user["content"]


@pytest.mark.parametrize(
    "reply, message",
    [
        ("not json", "schema"),
        (json.dumps(answer((1, "supported", [])) | {"extra": 1}), "schema"),
        (answer((1, "supported", []), (1, "supported", [])), "2 verdicts for 2"),
        (answer((1, "maybe", [])), "schema"),
    ],
)
def test_an_unusable_answer_raises(reply, message):
    items = [GOOD, ALSO_GOOD] if "2 verdicts" in message else [GOOD]
    with pytest.raises(LLMError, match=message):
        LLMJudge(FakeBackend(reply)).judge(items)


def test_a_cut_off_answer_is_asked_again_with_twice_the_budget_then_fails():
    from briefer.llm.base import ChatResult

    cut = ChatResult(content='{"verdicts": [', finish_reason="length")
    backend = FakeBackend(cut, answer((1, "supported", [])))
    assert LLMJudge(backend).judge([GOOD])[0].check == "llm"
    first, second = backend.history
    assert second.max_tokens == 2 * first.max_tokens
    with pytest.raises(LLMError, match="cut off"):
        LLMJudge(FakeBackend(cut, cut)).judge([GOOD])
