"""The ``llm`` judge: the structural checks first, then one request to the model for the statements they pass.

The caller hands over one chunk's statements; the model sees each with its
cited spans marked inside their sentences and answers, under a strict schema,
one verdict per statement (supported, partly, not supported) with the words
it finds unsupported. Its words are only kept when they are the statement's.
An answer that is not that JSON, or not one verdict per statement, raises
:class:`~briefer.errors.LLMError`: a judge that did not answer passes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import Field, ValidationError

from ...errors import ConfigError, LLMError
from ...llm.base import Backend, ChatRequest, ChatResult
from ...models import Strict
from ...resources import resource_dir
from .base import Evidence, Verdict, structural_verdict

# An answer's budget per statement: {"n": 3, "unsupported": [up to 4 words of 40 characters], "label": ...};
# doubled once when an answer is cut off (the embedded model likes to copy whole sentences).
TOKENS_PER_VERDICT = 96
MAX_WORDS = 4
MAX_WORD_CHARS = 40


class StatementVerdict(Strict):
    n: int = Field(ge=1)
    # The label first: asked to list words first, the embedded model copied whole sentences and then
    # called nearly every statement "partly" supported (benchmarks/entailment.py).
    label: Literal["supported", "partly", "not_supported"]
    unsupported: list[Annotated[str, Field(max_length=MAX_WORD_CHARS)]] = Field(max_length=MAX_WORDS)


class Judgement(Strict):
    verdicts: list[StatementVerdict]


def judgement_schema(count: int) -> dict:
    """The response schema for ``count`` statements: every property required, no extra keys, exactly ``count``."""
    schema = Judgement.model_json_schema()
    item = schema.pop("$defs")["StatementVerdict"]
    schema["properties"]["verdicts"] = {"type": "array", "items": item, "minItems": count, "maxItems": count}
    return _strip_titles(schema)


def _strip_titles(node):
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


@lru_cache(maxsize=1)
def _templates() -> Environment:
    directory = resource_dir("prompts") / "judge"
    return Environment(
        loader=FileSystemLoader(directory), undefined=StrictUndefined, keep_trailing_newline=True
    )


def passages(evidence: Evidence) -> str:
    """The sentences holding the cited spans, each span marked [[like this]]."""
    text, marks = evidence.text, sorted(evidence.spans)
    shown = []
    for lo, hi in evidence.sentences:
        out, at = [], lo
        for a, b in marks:
            a, b = max(a, lo), min(b, hi)
            if a < b and a >= at:
                out += [text[at:a], "[[", text[a:b], "]]"]
                at = b
        shown.append(" ".join(("".join(out) + text[at:hi]).split()))
    return " ".join(shown)


def judge_messages(items: Sequence[tuple[str, Evidence]]) -> tuple[dict[str, str], ...]:
    env = _templates()
    shown = [{"statement": " ".join(s.split()), "passages": passages(e)} for s, e in items]
    return (
        {"role": "system", "content": env.get_template("system.j2").render().strip()},
        {"role": "user", "content": env.get_template("user.j2").render(items=shown).strip()},
    )


class LLMJudge:
    """Structural checks, then the model on what they pass: one request per call to :meth:`judge`."""

    name = "llm"

    def __init__(self, backend: Backend | None):
        if backend is None:
            raise ConfigError("the llm judge needs a backend (a configured model, or the embedded one)")
        self.backend = backend

    def judge(self, items: Sequence[tuple[str, Evidence]]) -> list[Verdict]:
        verdicts = [structural_verdict(s, e) for s, e in items]
        passed = [i for i, v in enumerate(verdicts) if v.ok]
        if passed:
            for i, verdict in zip(passed, self.ask([items[i] for i in passed]), strict=True):
                verdicts[i] = verdict
        return verdicts

    def ask(self, items: Sequence[tuple[str, Evidence]]) -> list[Verdict]:
        """The model's verdicts on ``items``, in order (one request)."""
        result = self._complete(items)
        try:
            answer = Judgement.model_validate_json(result.content)
        except ValidationError as exc:
            raise LLMError(f"the judge did not answer in the schema: {exc.errors()[0]['msg']}") from None
        by_number = {v.n: v for v in answer.verdicts}
        if sorted(by_number) != list(range(1, len(items) + 1)):
            raise LLMError(f"the judge answered {len(answer.verdicts)} verdicts for {len(items)} statements")
        return [_verdict(by_number[n + 1], statement) for n, (statement, _) in enumerate(items)]

    def _complete(self, items: Sequence[tuple[str, Evidence]]) -> ChatResult:
        budget = TOKENS_PER_VERDICT * len(items) + 32
        for attempt in range(2):
            request = ChatRequest(
                messages=judge_messages(items),
                schema=judgement_schema(len(items)),
                schema_name="judgement",
                max_tokens=budget * (attempt + 1),
            )
            result = self.backend.chat(request)
            if result.finish_reason != "length":
                return result
        raise LLMError(f"the judge's answer was cut off at {request.max_tokens} tokens")


def _verdict(answer: StatementVerdict, statement: str) -> Verdict:
    """The model's verdict, keeping only the flagged words that are the statement's own."""
    words = tuple(
        w.strip()
        for w in answer.unsupported
        if w.strip() and re.search(rf"(?<!\w){re.escape(w.strip())}(?!\w)", statement, re.I)
    )
    if answer.label == "supported":
        return Verdict("supported", check="llm")
    what = "partly supports" if answer.label == "partly" else "does not support"
    reason = f"the judge finds the source {what} it" + (f": {', '.join(words)}" if words else "")
    return Verdict(answer.label, check="llm", reason=reason, words=words)
