"""Replays of real HTTP exchanges with the embedded llama.cpp server (recorded, never hand-written).

In CI these run with recording off and sockets disabled: a request that is not
in its cassette fails the test and says how to re-record. Matching is on
method, path and the parsed JSON body, so a prompt or schema change cannot
hide behind an old recording. Host and port are not matched (the server's
port is random when recording).

Re-record (needs ``briefer[local]``, a few minutes on 2 cores)::

    BRIEFER_RECORD=1 pytest tests/test_cassettes.py

Recording also rewrites ``examples/kim-putin-summit.brief.md`` from the same
exchanges, so the committed example is exactly what the cassette replays. After
a change to grounding or rendering (same requests, different brief), refresh it
from the existing cassette with ``BRIEFER_UPDATE_EXAMPLE=1``.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC
from pathlib import Path

import openai
import pytest
import vcr
from conftest import EXAMPLE, ROOT
from vcr.errors import CannotOverwriteExistingCassetteException

from briefer.brief.extract import ExtractOptions
from briefer.brief.pipeline import brief_article
from briefer.llm.base import ChatRequest
from briefer.llm.openai import OpenAIBackend
from briefer.llm.select import BackendKind
from briefer.models import Article
from briefer.output.check import uncited_lines
from briefer.output.formats import render
from briefer.runtime import CHUNK_TOKENS, LOCAL_MAX_REASKS

RECORD = os.environ.get("BRIEFER_RECORD") == "1"
CASSETTES = Path(__file__).parent / "cassettes"
EXAMPLE_BRIEF = ROOT / "examples" / "kim-putin-summit.brief.md"
LOCAL_MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"
SCRUB_REQUEST = ["authorization", "cookie", "openai-organization", "openai-project", "x-api-key", "api-key"]
SCRUB_RESPONSE = {"set-cookie", "openai-organization", "openai-project", "x-request-id", "cf-ray"}
FORBIDDEN = re.compile(
    r"authorization:|cookie:|openai-organization|openai-project|x-api-key|sk-[a-z0-9_-]{20,}"
)
RE_RECORD = "re-record with: BRIEFER_RECORD=1 pytest tests/test_cassettes.py"
# The embedded model's defaults, as `briefer brief` resolves them with no setting given (quote mode: the
# statements are the article's sentences): the README's quick start must print
# examples/kim-putin-summit.brief.md byte for byte.
LOCAL = ExtractOptions(max_reasks=LOCAL_MAX_REASKS, statements="quote")


def json_body(r1, r2):
    def parsed(request):
        body = request.body or b""
        return json.loads(body) if body else None

    assert parsed(r1) == parsed(r2), "request body differs from the recording"


def scrub_response(response):
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() not in SCRUB_RESPONSE}
    return response


recorder = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="all" if RECORD else "none",
    match_on=["method", "path", "json_body"],
    filter_headers=SCRUB_REQUEST,
    before_record_response=scrub_response,
    decode_compressed_response=True,
)
recorder.register_matcher("json_body", json_body)


@pytest.fixture(scope="module")
def endpoint():
    """The real embedded server when recording; any URL when replaying."""
    if not RECORD:
        yield "http://127.0.0.1:8765/v1"
        return
    from briefer.llm.local import model as local_model
    from briefer.llm.local import server as local_server

    info = local_model.resolve_model(None, Path(os.environ.get("BRIEFER_CACHE_DIR") or local_cache()))
    with local_server.LocalServer(info.path) as server:
        server.start()
        yield server.base_url


def local_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("briefer"))


@pytest.fixture
def offline(request):
    """Sockets are off while replaying: nothing can fall through to a network."""
    if RECORD:
        yield
        return
    from pytest_socket import disable_socket, enable_socket

    disable_socket()
    yield
    enable_socket()


def backend(endpoint, mode="json_object"):
    client = openai.OpenAI(api_key="not-needed", base_url=endpoint, max_retries=0, timeout=600)
    return OpenAIBackend(client, LOCAL_MODEL, structured_mode=mode, attempts=1)


def replay(name):
    """Use a cassette; on a miss, fail with how to re-record; fail if a recording went unplayed."""

    class Context:
        def __enter__(self):
            if RECORD:  # start from nothing: "all" would append to the old recording
                (CASSETTES / f"{name}.yaml").unlink(missing_ok=True)
            self.cm = recorder.use_cassette(f"{name}.yaml")
            self.cassette = self.cm.__enter__()
            return self.cassette

        def __exit__(self, kind, exc, tb):
            self.cm.__exit__(kind, exc, tb)
            if exc is not None and _is_miss(exc):
                pytest.fail(f"cassette {name}.yaml has no recording of this request; {RE_RECORD}")
            if exc is None and not RECORD:
                assert self.cassette.all_played, (
                    f"cassette {name}.yaml has exchanges that never replayed; {RE_RECORD}"
                )
            return False

    return Context()


def _is_miss(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, CannotOverwriteExistingCassetteException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def test_example_article_brief_from_real_exchanges(endpoint, offline):
    article = Article.model_validate({**_example().model_dump(), "source": "examples/kim-putin-summit.txt"})
    with replay("example_brief"):
        brief = brief_article(
            article, backend(endpoint), max_chunk_tokens=CHUNK_TOKENS[BackendKind.local], options=LOCAL
        )
    markdown = render(brief)
    assert brief.facts, "the real model grounded no fact at all"
    for c in brief.citations:
        assert article.text[c.span.start : c.span.end] == c.span.text
    assert uncited_lines(markdown, brief) == []
    assert brief.meta.counts.proposed >= brief.meta.counts.grounded > 0
    assert_faithful(brief, _labels("examples/kim-putin-summit.txt"))
    assert_quoted(brief)
    assert not any(
        brief.citation(i).span.start < len(article.title) for f in brief.facts for i in f.citations
    )
    if RECORD or os.environ.get("BRIEFER_UPDATE_EXAMPLE") == "1":
        EXAMPLE_BRIEF.write_text(markdown, encoding="utf-8")
        EXAMPLE_BRIEF.with_suffix(".json").write_text(render(brief, fmt="json"), encoding="utf-8")
    assert EXAMPLE_BRIEF.read_text(encoding="utf-8") == markdown
    assert EXAMPLE_BRIEF.with_suffix(".json").read_text(encoding="utf-8") == render(brief, fmt="json")


LABELLED = ROOT / "tests" / "data" / "attribution"


def _labels(name: str) -> list[dict]:
    return json.loads((LABELLED / "labels.json").read_text(encoding="utf-8"))[name]


def assert_faithful(brief, labels: list[dict]) -> None:
    """Every reported-speech statement names its speaker or a cue, and a labelled sentence's speaker wins."""
    text = brief.article.text
    for f in brief.facts:
        spans = [brief.citation(i).span for i in f.citations if i != f.attribution.speaker_citation]
        if f.attribution.reported:
            speaker = f.attribution.speaker
            assert (speaker and speaker.split()[-1] in f.statement) or re.search(
                r"\b(says?|said|according to|reportedly)\b", f.statement, re.I
            ), f.statement
        for label in labels:
            at = text.find(label["sentence"])
            inside = any(at <= s.start and s.end <= at + len(label["sentence"]) for s in spans)
            if inside and label["reported"] and label["speaker"]:
                assert f.attribution.speaker == label["speaker"], (f.statement, label)


def assert_quoted(brief) -> None:
    """Quote mode: each statement holds its content spans' words, and nothing of the model's."""
    assert brief.meta.statements == "quote"
    for f in brief.facts:
        spans = [brief.citation(i).span.text for i in f.citations if i != f.attribution.speaker_citation]
        for text in spans:
            assert " ".join(text.split()).strip('"“”') in " ".join(f.statement.split()), (f.statement, text)


@pytest.mark.parametrize("name", ["04-valdic-ceasefire.txt", "07-brask-ferry-strike.txt"])
def test_labelled_articles_from_real_exchanges(endpoint, offline, name):
    from briefer.sources.load import load_article

    article = load_article(str(LABELLED / name)).model_copy(
        update={"source": f"tests/data/attribution/{name}"}
    )
    with replay(f"labelled_{name.removesuffix('.txt')}"):
        brief = brief_article(article, backend(endpoint), max_chunk_tokens=300, options=ExtractOptions())
    for c in brief.citations:
        assert article.text[c.span.start : c.span.end] == c.span.text
    assert uncited_lines(render(brief), brief) == []
    assert_faithful(brief, _labels(name))
    if os.environ.get("BRIEFER_SAVE_BRIEFS"):  # for benchmarks/faithful.py --briefs
        Path(os.environ["BRIEFER_SAVE_BRIEFS"], f"{name}.json").write_text(
            render(brief, fmt="json"), encoding="utf-8"
        )


@pytest.mark.parametrize("name", ["04-valdic-ceasefire.txt", "07-brask-ferry-strike.txt"])
def test_labelled_articles_quoted_from_real_exchanges(endpoint, offline, name):
    """Quote mode on the real model: its statements are the articles' sentences, with their speakers."""
    from briefer.sources.load import load_article
    from briefer.verify import verify_brief

    article = load_article(str(LABELLED / name)).model_copy(
        update={"source": f"tests/data/attribution/{name}"}
    )
    with replay(f"labelled_quote_{name.removesuffix('.txt')}"):
        brief = brief_article(article, backend(endpoint), max_chunk_tokens=300, options=LOCAL)
    assert brief.facts and uncited_lines(render(brief), brief) == []
    assert_faithful(brief, _labels(name))
    assert_quoted(brief)
    assert verify_brief(brief) == []


def test_auto_mode_falls_back_after_the_real_servers_500(endpoint, offline):
    request = ChatRequest(
        messages=({"role": "user", "content": 'Reply with {"ok": true}.'},),
        schema={
            "type": "object",
            "properties": {"ok": {"type": "boolean"}},
            "required": ["ok"],
            "additionalProperties": False,
        },
        schema_name="ok",
        max_tokens=16,
    )
    b = backend(endpoint, mode="auto")
    with replay("auto_mode_fallback"):
        result = b.chat(request)
    assert b.structured_mode == "json_object"
    assert json.loads(result.content) == {"ok": True}


def test_digest_of_two_reports_from_real_exchanges(endpoint, offline, tmp_path):
    """The two bridge reports of examples/articles become one story, every marker resolving."""
    import contextlib
    from datetime import datetime

    from briefer.config import load_settings
    from briefer.digest.assemble import uncited_digest_lines
    from briefer.digest.config import digest_config
    from briefer.digest.run import run_digest

    articles = ROOT / "examples" / "articles"
    data = {
        "name": "cassette digest",
        "output": str(tmp_path / "out"),
        "sources": {
            "paths": [
                str(articles / "korsund-bridge-closed.txt"),
                str(articles / "velmora-crossing-crack.txt"),
            ]
        },
    }
    config = digest_config(data, base=tmp_path)
    settings = load_settings(
        {
            "cache": False,
            "model": LOCAL_MODEL,
            "structured_mode": "json_object",
            "base_url": endpoint,
            "statements": "quote",  # the embedded default
        }
    )

    @contextlib.contextmanager
    def opener(store, **_):
        yield backend(endpoint)

    with replay("digest_bridge"):
        result = run_digest(config, settings, now=datetime(2026, 11, 26, 7, tzinfo=UTC), open_backend=opener)
    digest = result.digest
    assert len(digest.stories) == 1 and len(digest.stories[0].articles) == 2
    assert uncited_digest_lines(result.markdown_path.read_text(encoding="utf-8"), digest) == []


def test_a_cassette_miss_fails_loudly(endpoint, offline):
    if RECORD:
        pytest.skip("only meaningful when replaying")
    request = ChatRequest(
        messages=({"role": "user", "content": "never recorded"},), schema={}, schema_name="x", max_tokens=8
    )
    with (
        pytest.raises(Exception) as info,
        recorder.use_cassette("auto_mode_fallback.yaml", allow_playback_repeats=True),
    ):
        backend(endpoint, mode="json_object").chat(request)
    assert _is_miss(info.value)


def test_committed_cassettes_hold_no_credentials():
    files = sorted(CASSETTES.glob("*.yaml"))
    assert files, "no cassettes committed"
    for path in files:
        found = FORBIDDEN.search(path.read_text(encoding="utf-8").lower())
        assert found is None, f"{path.name} contains {found.group()!r}"


def _example() -> Article:
    from briefer import load_article

    return load_article(str(EXAMPLE))
