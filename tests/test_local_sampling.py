"""The embedded server's sampling (briefer.llm.local.serve) against stock llama.cpp, on the real model.

The faster grammar sampling answers exactly as stock llama.cpp does; RepeatStop
ends a list at its first repeated record and changes nothing before it.
Needs the real model (``-m local_model``); about a minute on 2 cores.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from briefer.brief.prompts import extraction_schema, load_prompts

pytestmark = pytest.mark.local_model


def _model() -> Path | None:
    from importlib.util import find_spec

    if find_spec("llama_cpp") is None:
        return None
    import platformdirs

    from briefer.errors import ModelUnavailable
    from briefer.llm.local.model import resolve_model

    cache = Path(os.environ.get("BRIEFER_CACHE_DIR") or platformdirs.user_cache_dir("briefer"))
    try:
        return resolve_model(None, cache).path
    except ModelUnavailable:
        return None


def test_greedy_first_sampling_gives_the_stock_answer_token_for_token():
    path = _model()
    if path is None:
        pytest.skip("needs briefer[local] (llama-cpp-python and the model packages)")
    from llama_cpp import Llama

    from briefer.llm.local import serve

    prompts = load_prompts()
    request = {
        "messages": [
            {"role": "system", "content": "Answer with JSON only: the facts of the article, quotes copied."},
            {"role": "user", "content": prompts.example["en"]["article"]},
        ],
        "response_format": {"type": "json_object", "schema": extraction_schema(4, 2)},
        "max_tokens": 160,
        "temperature": 0.0,
        "seed": 0,
        "repeat_penalty": 1.1,  # llama_cpp.server's default: briefer does not send one
    }
    llm = Llama(model_path=str(path), n_ctx=2048, n_threads=os.cpu_count(), verbose=False)
    stock = llm.create_chat_completion(**request)
    original = Llama._init_sampler
    try:
        assert serve.patch(repeat_stop=False)
        llm.reset()
        fast = llm.create_chat_completion(**request)
    finally:
        Llama._init_sampler = original
    assert fast["usage"] == stock["usage"]
    assert fast["choices"][0]["message"]["content"] == stock["choices"][0]["message"]["content"]


# A loop built into the prompt, so that greedy decoding loops on any CPU: the worked example answers
# one sentence with five copies of one fact, and the model copies the pattern.
_FACT = {
    "quotes": ["The ferry left at noon."],
    "speaker": "",
    "claim": "The ferry left.",
    "kind": "event",
    "entities": [],
}
LOOPING = [
    {"role": "system", "content": "Answer with JSON only: the facts of the article, quotes copied."},
    {"role": "user", "content": "<article>\nThe ferry left at noon.\n</article>"},
    {"role": "assistant", "content": json.dumps({"facts": [_FACT] * 5})},
    {"role": "user", "content": "<article>\nThe tram line reopened on Monday.\n</article>"},
]


@pytest.mark.parametrize(
    "threads, penalty",
    [(os.cpu_count(), 1.1), (1, 1.15)],
    ids=["all-threads", "other-cpu"],  # another thread count and penalty: other float sums, as on another CPU
)
def test_repeat_stop_ends_a_loop_at_its_first_repeat_and_changes_nothing_before(threads, penalty):
    """What holds on any CPU, whatever tokens it picks: with RepeatStop the answer is the stock
    answer's records up to and including its first verbatim repeat, and the rest is not spent."""
    path = _model()
    if path is None:
        pytest.skip("needs briefer[local] (llama-cpp-python and the model packages)")
    from llama_cpp import Llama

    from briefer.llm.local import serve

    request = {
        "messages": LOOPING,
        "response_format": {"type": "json_object", "schema": extraction_schema(8, 1)},
        "max_tokens": 400,
        "temperature": 0.0,
        "seed": 0,
        "repeat_penalty": penalty,
    }
    llm = Llama(model_path=str(path), n_ctx=1024, n_threads=threads, verbose=False)
    original = Llama._init_sampler
    answers = {}
    try:
        for repeat_stop in (False, True):
            Llama._init_sampler = original
            assert serve.patch(repeat_stop=repeat_stop)
            llm.reset()
            answers[repeat_stop] = llm.create_chat_completion(**request)
    finally:
        Llama._init_sampler = original
    stock, stopped = (
        json.loads(answers[k]["choices"][0]["message"]["content"])["facts"] for k in (False, True)
    )
    first_repeat = next((n for n, fact in enumerate(stock) if fact in stock[:n]), None)
    assert first_repeat is not None and len(stock) > first_repeat + 1, f"the prompt did not loop: {stock}"
    assert stopped == stock[: first_repeat + 1]
    assert answers[True]["usage"]["completion_tokens"] < answers[False]["usage"]["completion_tokens"]
