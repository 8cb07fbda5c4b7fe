"""The embedded server's sampling (briefer.llm.local.serve) against stock llama.cpp, on the real model.

The faster grammar sampling answers exactly as stock llama.cpp does; RepeatStop
ends a list at its first repeated record and changes nothing before it.
Needs the real model (``-m local_model``); about a minute on 2 cores.
"""

from __future__ import annotations

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


def test_repeat_stop_ends_the_example_articles_loop_at_its_first_repeat():
    """The example's first chunk, as briefer asks it: greedy decoding repeats one fact to ``maxItems``.

    With RepeatStop the answer is the same records up to the first repeat,
    the list ends there, and the rest of the tokens are not spent.
    """
    path = _model()
    if path is None:
        pytest.skip("needs briefer[local] (llama-cpp-python and the model packages)")
    import json

    from conftest import EXAMPLE
    from llama_cpp import Llama

    from briefer import load_article
    from briefer.brief.prompts import facts_wanted
    from briefer.config import load_settings
    from briefer.llm.local import serve
    from briefer.llm.openai import response_format
    from briefer.runtime import Runtime

    runtime = Runtime.resolve(load_settings({"cache": False, "base_url": None, "api_key": None}))
    article = load_article(str(EXAMPLE))
    chunk = runtime.chunks(article)[0]
    options = runtime.options
    request = {
        "messages": list(runtime.messages(article, chunk)),
        "response_format": response_format(
            "json_object",
            "extraction",
            extraction_schema(options.max_facts, facts_wanted(chunk, options.max_facts)),
        ),
        "max_tokens": options.max_tokens,
        "temperature": 0.0,
        "seed": 0,
        "repeat_penalty": 1.1,
    }
    llm = Llama(model_path=str(path), n_ctx=runtime.settings.n_ctx, n_threads=os.cpu_count(), verbose=False)
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
    looping, stopped = (
        json.loads(answers[k]["choices"][0]["message"]["content"])["facts"] for k in (False, True)
    )
    first_repeat = next(n for n, fact in enumerate(looping) if fact in looping[:n])
    assert len(looping) > first_repeat + 1, "the stock answer no longer loops: this test needs another prompt"
    assert stopped == looping[: first_repeat + 1]
    assert answers[True]["usage"]["completion_tokens"] < answers[False]["usage"]["completion_tokens"]
