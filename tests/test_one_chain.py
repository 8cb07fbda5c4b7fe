"""The pipeline and ``briefer verify`` run one chain of checks: briefer never writes a brief its own
verify rejects (issue 22's "a brief from the fake test server fails verify").

A backend that answers every chunk with its sentences (each claimed in the sentence's own words, reported
speech included) briefs every labelled test article in both statement modes; each brief must pass
:func:`briefer.verify.verify_brief`, and every paraphrase the judge failed must have become a quote.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from briefer.brief.extract import ExtractOptions
from briefer.brief.judged import registry_judge
from briefer.brief.pipeline import brief_article
from briefer.llm.base import ChatRequest, ChatResult
from briefer.models import Article, Usage
from briefer.verify import verify_brief

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "tests" / "data" / "attribution").glob("*.txt")) + sorted(
    (ROOT / "examples" / "articles").glob("*.txt")
)
_CHUNK = re.compile(r"<article>\n(.*?)\n</article>", re.S)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?][\"”’]?")


class EchoBackend:
    """Answers with the chunk's sentences: picked from the quote enum, or quoted and claimed verbatim."""

    model, structured_mode = "echo", "json_schema"

    def chat(self, request: ChatRequest) -> ChatResult:
        facts = request.schema["properties"]["facts"]
        wanted = max(1, facts.get("minItems", 1))
        choices = facts["items"]["properties"].get("quote", {}).get("enum")
        if choices is not None:
            answer = {"facts": [{"quote": s} for s in choices[:wanted]]}
        else:
            chunk = next(m["content"] for m in reversed(request.messages) if _CHUNK.search(m["content"]))
            said = [s.strip() for s in _SENTENCE.findall(_CHUNK.search(chunk).group(1)) if len(s.split()) > 4]
            answer = {"facts": [_fact(s) for s in said[:wanted]]}
        return ChatResult(content=json.dumps(answer), finish_reason="stop", usage=Usage())


def _fact(sentence: str) -> dict:
    return {"quotes": [sentence], "speaker": "", "claim": sentence, "kind": "event", "entities": []}


@pytest.mark.parametrize("mode", ["quote", "paraphrase"])
@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_what_the_pipeline_writes_its_verify_accepts(path, mode):
    text = path.read_text(encoding="utf-8")
    article = Article(text=text, title=text.split("\n", 1)[0].strip(), source=path.name)
    options = ExtractOptions(max_reasks=0, statements=mode)
    judge = registry_judge("none", None, text, "en") if mode == "paraphrase" else None
    brief = brief_article(article, EchoBackend(), max_chunk_tokens=300, options=options, judge=judge)
    assert brief.facts
    assert verify_brief(brief) == []
