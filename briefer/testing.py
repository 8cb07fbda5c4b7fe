"""Test doubles that ship with briefer, so users' own tests can run offline too."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from .llm.base import ChatRequest, ChatResult
from .models import Usage


class FakeBackend:
    """A scripted backend: answers are queued with :meth:`enqueue`, requests kept in ``history``.

    An answer may be a dict (sent as JSON), a string (sent as is), a
    :class:`ChatResult`, or an exception instance (raised).
    """

    def __init__(self, *answers: Any, model: str = "fake-model", structured_mode: str = "json_schema"):
        self.model = model
        self.structured_mode = structured_mode
        self.answers: deque[Any] = deque(answers)
        self.history: list[ChatRequest] = []

    @property
    def calls(self) -> int:
        return len(self.history)

    def enqueue(self, *answers: Any) -> FakeBackend:
        self.answers.extend(answers)
        return self

    def chat(self, request: ChatRequest) -> ChatResult:
        self.history.append(request)
        if not self.answers:
            raise AssertionError("FakeBackend: no answer queued for this request")
        answer = self.answers.popleft()
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, ChatResult):
            return answer
        content = answer if isinstance(answer, str) else json.dumps(answer)
        usage = Usage(
            prompt_tokens=sum(len(m["content"]) for m in request.messages) // 4,
            completion_tokens=len(content) // 4,
        )
        return ChatResult(content=content, finish_reason="stop", usage=usage)


def fact(
    claim: str,
    quote: str | list[str],
    kind: str = "event",
    entities: list[str] | None = None,
    speaker: str = "",
) -> dict[str, Any]:
    """One proposed fact in the wire shape the extraction schema asks for."""
    quotes = [quote] if isinstance(quote, str) else quote
    return {"quotes": quotes, "speaker": speaker, "claim": claim, "kind": kind, "entities": entities or []}
