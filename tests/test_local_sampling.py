"""The embedded server's faster grammar sampling (briefer.llm.local.serve) answers exactly as stock llama.cpp does.

Needs the real model (``-m local_model``); about half a minute on 2 cores.
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
        assert serve.patch()
        llm.reset()
        fast = llm.create_chat_completion(**request)
    finally:
        Llama._init_sampler = original
    assert fast["usage"] == stock["usage"]
    assert fast["choices"][0]["message"]["content"] == stock["choices"][0]["message"]["content"]
