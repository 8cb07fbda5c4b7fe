"""Fault injection: a stub server on 127.0.0.1 misbehaves at a seeded rate, against the real wire layer.

For every fault kind at rates 0.3 and 1.0, ``OpenAIBackend.chat`` is driven
directly and through ``brief_article``, and these hold:

- nothing escapes but :class:`LLMError` (a refusal is its subclass ``Refused``);
- the server sees at most ``ATTEMPTS`` requests per call, counted at the
  server, and exactly one for a refusal or a truncated answer (never retried);
- at rate 0.3 the retries absorb the faults: calls succeed.

Sleeps between attempts are recorded, not slept; only the hang fault takes
real time (a short client timeout). The outcomes are printed as a matrix at
the end of the module (run with ``-s``) and written to ``MATRIX_FILE``. The
first section scripts single faults against the ``server`` fixture to pin
the exact behaviour (messages, usage, what is never retried).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from support import FAULTS, RAW, Faulty, completion, fault, serving, stub_backend

from briefer.brief.pipeline import brief_article
from briefer.errors import LLMError
from briefer.llm.base import ChatRequest, Refused
from briefer.models import Article
from briefer.testing import fact

ATTEMPTS = 4
RATES = (0.3, 1.0)
CALLS = {0.3: 10, 1.0: 3}
TIMEOUT = 0.3  # seconds; the hang fault holds the answer for HANG seconds
HANG = 1.0
SEED = 7
MATRIX_FILE = Path("/tmp/briefer-fault-matrix.md")
NOT_RETRIED = {"refusal", "length"}  # the server answered; asking again would not help

REQUEST = ChatRequest(
    messages=({"role": "user", "content": "hi"},),
    schema={"type": "object"},
    schema_name="extraction",
    max_tokens=64,
)
TEXT = (
    "Harbour officials closed the Korsund bridge on Monday after inspectors found a crack in a main "
    "girder. The bridge carries about 40,000 vehicles a day. Repairs are expected to take three weeks, "
    "the city said.\n"
)
GOOD_FACT = fact(
    "The Korsund bridge was closed on Monday after inspectors found a crack.",
    "Harbour officials closed the Korsund bridge on Monday after inspectors found a crack in a main girder",
    entities=["Korsund"],
)


def make_backend(server):
    return stub_backend(server, attempts=ATTEMPTS, timeout=TIMEOUT)


def faulty(kind: str, rate: float, good=None) -> Faulty:
    server = Faulty(kind, rate, seed=SEED, good=good)
    server.hang_seconds = HANG
    return server


# --------------------------------------------------------------------------- one fault at a time, scripted


@pytest.mark.parametrize("kind", ["no_choices", "null_content", "blank_content", "invalid_json"])
def test_an_unusable_200_is_retried_and_then_succeeds(server, kind):
    server.script = [fault(kind), completion('{"facts": [2]}')]
    result = stub_backend(server).chat(REQUEST)
    assert result.content == '{"facts": [2]}'
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "kind, says",
    [
        ("no_choices", "no choices"),
        ("null_content", "null content"),
        ("blank_content", "blank content"),
        ("invalid_json", "not JSON"),
    ],
)
def test_an_answer_that_stays_unusable_is_one_llm_error_after_bounded_attempts(server, kind, says):
    server.script = [fault(kind)] * 5
    with pytest.raises(LLMError, match=says) as info:
        stub_backend(server, attempts=3).chat(REQUEST)
    assert len(server.requests) == 3
    assert "\n" not in str(info.value) and "(3 attempts)" in str(info.value)


def test_tokens_spent_on_discarded_answers_are_counted(server):
    server.script = [fault("blank_content"), completion()]
    usage = stub_backend(server).chat(REQUEST).usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (22, 14)


def test_a_refusal_is_final_and_says_what_the_model_said(server):
    server.script = [fault("refusal"), completion()]
    with pytest.raises(Refused, match="The LLM refused to answer: I can't help.") as info:
        stub_backend(server).chat(REQUEST)
    assert isinstance(info.value, LLMError) and info.value.refusal == "I can't help."
    assert len(server.requests) == 1


def test_the_content_filter_is_a_refusal(server):
    server.script = [completion(message={"role": "assistant", "content": None}, finish="content_filter")]
    with pytest.raises(Refused, match="content filter"):
        stub_backend(server).chat(REQUEST)
    assert len(server.requests) == 1


def test_a_truncated_answer_with_no_content_is_returned_for_the_caller_to_split(server):
    server.script = [completion(message={"role": "assistant", "content": None}, finish="length")]
    result = stub_backend(server).chat(REQUEST)
    assert (result.content, result.finish_reason) == ("", "length")


# --------------------------------------------------------------------------- fault kind x rate


@pytest.fixture(scope="module")
def matrix():
    """Collects (kind, rate, path) -> outcome; prints and writes the table when the module is done."""
    rows: dict[tuple[str, float, str], str] = {}
    yield rows
    text = render_matrix(rows)
    MATRIX_FILE.write_text(text, encoding="utf-8")
    print(f"\n{text}(written to {MATRIX_FILE})")


def render_matrix(rows: dict[tuple[str, float, str], str]) -> str:
    columns = [(path, rate) for path in ("chat", "brief") for rate in RATES]
    head = "| fault | " + " | ".join(f"{path} @ {rate}" for path, rate in columns) + " |"
    lines = [head, "|" + "---|" * (len(columns) + 1)]
    for kind in FAULTS:
        cells = [rows.get((kind, rate, path), "-") for path, rate in columns]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    legend = (
        f"\nchat: {CALLS[0.3]} calls at 0.3, {CALLS[1.0]} at 1.0; brief: as many one-chunk articles. "
        f"Attempts {ATTEMPTS}, client timeout {TIMEOUT} s. Cells: outcomes; requests the server saw.\n"
    )
    return "\n".join(lines) + "\n" + legend


def describe(outcomes: Counter, requests: int) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(outcomes.items())) + f"; {requests} req"


def call(fn) -> str:
    """Run ``fn``; the outcome's name. Anything but LLMError fails the test."""
    try:
        result = fn()
    except Refused as exc:
        assert "\n" not in str(exc)
        return "refused"
    except LLMError as exc:
        assert "\n" not in str(exc), str(exc)
        return "LLMError"
    return getattr(result, "finish_reason", "ok")


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("kind", FAULTS)
def test_chat_under_faults(kind, rate, matrix):
    outcomes: Counter = Counter()
    with serving(faulty(kind, rate)) as server:
        backend = make_backend(server)
        for _ in range(CALLS[rate]):
            before = len(server.requests)
            outcome = call(lambda: backend.chat(REQUEST))
            sent = len(server.requests) - before
            assert 1 <= sent <= ATTEMPTS, (outcome, sent)
            if kind in NOT_RETRIED:
                assert sent == 1
            outcomes[outcome] += 1
    matrix[(kind, rate, "chat")] = describe(outcomes, len(server.requests))
    check_outcomes(kind, rate, outcomes, len(server.requests), server.faults)


def check_outcomes(kind: str, rate: float, outcomes: Counter, requests: int, faults: int) -> None:
    calls = CALLS[rate]
    if kind == "refusal":
        assert outcomes["refused"] == faults and requests == calls
    elif kind == "length":
        assert outcomes["length"] == faults and requests == calls
    elif rate == 1.0:
        assert outcomes == Counter({"LLMError": calls}) and requests == calls * ATTEMPTS
    else:
        assert outcomes["stop"] >= calls - 1, outcomes  # retries absorb a 30% fault rate
    if rate < 1.0:
        assert outcomes["stop"] >= 1


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("kind", FAULTS)
def test_brief_article_under_faults(kind, rate, matrix):
    """Several one-chunk articles, as in a digest: a 30% fault rate loses none of them."""
    good = completion(json.dumps({"facts": [GOOD_FACT]}))
    outcomes: Counter = Counter()
    with serving(faulty(kind, rate, good)) as server:
        backend = make_backend(server)
        for n in range(CALLS[rate]):
            article = Article(text=TEXT, title=f"Korsund bridge closed ({n})", source=f"a{n}.txt")
            outcome = call(lambda a=article: brief_article(a, backend, max_chunk_tokens=4000))
            outcomes["brief" if outcome == "ok" else outcome] += 1
        assert len(server.requests) <= backend.calls * ATTEMPTS
    matrix[(kind, rate, "brief")] = describe(outcomes, len(server.requests))
    if rate < 1.0 and kind not in NOT_RETRIED:
        assert outcomes["brief"] >= CALLS[rate] - 1, outcomes
    if rate == 1.0:
        assert outcomes["brief"] == 0


def test_every_fault_kind_is_exercised():
    assert set(RAW) <= set(FAULTS) and len(FAULTS) == 12
