"""Behaviour the performance work relies on, pinned without timing anything.

- "auto" structured mode is optimistic: concurrent requests go out at once as
  ``json_schema`` (none waits for a first verdict), the first refusal switches
  to ``json_object`` once, and only refused requests are sent again.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from conftest import ROOT
from support import LLAMA_CPP_PYTHON_500, completion, error
from support import stub_backend as backend

from briefer.llm.base import ChatRequest

REQUEST = ChatRequest(
    messages=({"role": "user", "content": "hi"},),
    schema={"type": "object", "properties": {}, "required": [], "additionalProperties": False},
    schema_name="extraction",
    max_tokens=64,
)


def _kinds(server) -> list[str]:
    return [r["response_format"]["type"] for r in server.requests]


def _together(n: int, answer):
    """A ``respond`` that answers json_schema only once ``n`` requests are in flight at once."""
    barrier = threading.Barrier(n, timeout=10)  # a backend that serialised them would break it

    def respond(body):
        if body["response_format"]["type"] == "json_schema":
            barrier.wait()
            return answer
        return completion()

    return respond


def test_auto_mode_sends_concurrent_first_requests_at_once(server):
    server.respond = _together(4, completion())
    b = backend(server, mode="auto")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: b.chat(REQUEST), range(4)))
    assert [r.finish_reason for r in results] == ["stop"] * 4
    assert _kinds(server) == ["json_schema"] * 4 and b.structured_mode == "json_schema"


def test_auto_mode_resends_only_refused_requests_and_switches_once(server, caplog):
    server.respond = _together(4, error(500, LLAMA_CPP_PYTHON_500))
    b = backend(server, mode="auto")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: b.chat(REQUEST), range(4)))
    assert [r.finish_reason for r in results] == ["stop"] * 4
    assert sorted(_kinds(server)) == ["json_object"] * 4 + ["json_schema"] * 4
    assert b.structured_mode == "json_object" and b.calls == 4
    assert len([r for r in caplog.records if "using json_object" in r.getMessage()]) == 1
    b.chat(REQUEST)  # settled: no json_schema any more
    assert _kinds(server)[-1] == "json_object" and len(server.requests) == 9


def test_auto_mode_in_one_thread_keeps_its_request_order(server):
    """What the auto-mode cassette replays: refused, then the same request and the next as json_object."""
    server.script = [error(500, LLAMA_CPP_PYTHON_500), completion(), completion()]
    b = backend(server, mode="auto")
    b.chat(REQUEST)
    b.chat(REQUEST)
    assert _kinds(server) == ["json_schema", "json_object", "json_object"]


# --------------------------------------------------------------------------- claim scoring


def test_small_blocks_score_exactly_as_cdist_does():
    """The pair-by-pair path for small blocks finds exactly the pairs of the batched cdist path."""
    import random

    from rapidfuzz import fuzz, process

    from briefer.text import SAME_CLAIM, SIMILAR_CLAIM, _pairs_scoring

    rng = random.Random(3)
    words = (
        "the ship ships sank sink port officials said Kim flew to Vladivostok on Monday é 東京 , .".split()
    )
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 8))) for _ in range(40)] + ["", " ", ""]
    index = list(range(10, 10 + len(texts)))
    for scorer, cutoff in ((fuzz.token_sort_ratio, SAME_CLAIM), (fuzz.token_set_ratio, SIMILAR_CLAIM)):
        scores = process.cdist(texts, texts, scorer=scorer, score_cutoff=cutoff - 0.5)
        expected = {(index[r], index[c]) for r, c in zip(*scores.nonzero(), strict=True) if c > r}
        assert _pairs_scoring(index, texts, scorer, cutoff) == expected
        assert expected  # the sample has pairs that pass


def test_reading_a_file_does_not_load_the_fetcher():
    """The safe fetcher (httpcore2) is for URLs; a brief of a local file never needs it."""
    import subprocess
    import sys

    code = (
        "import sys; from briefer.sources import load_article;"
        "load_article('examples/kim-putin-summit.txt');"
        "print('briefer.sources.netfetch' in sys.modules, 'httpcore2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False False"


def test_merging_one_articles_facts_does_not_import_numpy():
    """numpy (0.1 s to import) comes only with a block of 64 claims or more, which one brief rarely has."""
    import subprocess
    import sys

    code = (
        "import sys; from briefer.text import ClaimSet;"
        "claims = ClaimSet(['Kim flew to Vladivostok.', 'Kim flew to Vladivostok on Monday.', 'Ships sank.'] * 20);"
        "assert claims.near_identical() and claims.similar();"
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- story clustering


def test_signatures_are_datasketchs_affine32_minhash():
    """The first hash values of two texts as datasketch 2.0's MinHash(num_perm=256, seed=1) gave them."""
    from briefer.digest.cluster import signature, similarity

    kim = signature("Kim flew to Vladivostok on Monday to meet Putin.").hashvalues
    assert [int(v) for v in kim[:4]] == KIM_HASHES
    assert signature("").hashvalues.tolist() == [0xFFFFFFFF] * 256
    assert similarity("the and of", "") == 1.0  # no features either side


# --------------------------------------------------------------------------- state


def test_with_the_cache_off_the_state_file_opens_only_when_a_run_is_logged(tmp_path):
    from briefer.config import load_settings
    from briefer.runtime import Runtime

    settings = load_settings({"cache": False, "base_url": "http://127.0.0.1:9/v1", "model": "m"})
    with Runtime.resolve(settings).open_store() as store:
        assert not settings.state_path().exists() and not store.opened
        store.record_brief_run({"started": "2026-11-27T00:00:00", "source": "-", "status": "ok"})
        assert store.opened and store.recent("brief_runs", 5)[0]["source"] == "-"
    assert settings.state_path().exists()


def test_a_lazy_store_on_a_corrupt_file_fails_clearly_on_first_use(tmp_path):
    import pytest

    from briefer.state.lazy import LazyStore
    from briefer.state.store import StateError

    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"not a database\n" * 200)
    with LazyStore(path) as store, pytest.raises(StateError, match="is corrupt"):
        store.start_run("config", "2026-11-27")


def test_seeing_many_articles_at_once_is_seeing_them_one_by_one(tmp_path):
    from briefer.state.store import Store

    rows = [("u1", "h1", "a"), ("u2", "h2", "b"), ("u1", "h3", "c"), ("u4", "h2", "d")]
    with Store(tmp_path / "one.sqlite3") as one, Store(tmp_path / "many.sqlite3") as many:
        singly = [one.see_article(*r)[1] for r in rows]
        assert [new for _, new in many.see_articles(rows)] == singly == [True, True, False, False]
        assert [new for _, new in many.see_articles(rows)] == [False] * 4


KIM_HASHES = [451959537, 173772472, 417888229, 140858968]  # datasketch 2.0.0, computed before it was dropped
