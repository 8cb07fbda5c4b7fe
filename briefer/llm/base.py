"""The contract between briefer and any LLM: a request, a result, and the :class:`Backend` protocol.

Everything above :mod:`briefer.llm` works with these three names only, so the
OpenAI-compatible backend, the embedded model, the response cache and the
test double in :mod:`briefer.testing` are interchangeable. A backend fails
only with :class:`~briefer.errors.LLMError` (or its :class:`Refused`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import LLMError
from ..models import Usage


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[dict[str, str], ...]
    schema: dict[str, Any]
    schema_name: str
    max_tokens: int
    temperature: float = 0.0
    seed: int | None = 0

    def fingerprint(self) -> dict[str, Any]:
        """Everything that determines the answer, as JSON-able data (the cache key)."""
        return {
            "messages": list(self.messages),
            "schema": self.schema,
            "schema_name": self.schema_name,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
        }


@dataclass
class ChatResult:
    content: str
    finish_reason: str
    usage: Usage = field(default_factory=Usage)
    cached: bool = False


class Backend(Protocol):
    model: str
    structured_mode: str
    calls: int  # requests this backend has answered (a cache counts its misses)

    def chat(self, request: ChatRequest) -> ChatResult: ...


class Refused(LLMError):
    """The model declined to answer (``message.refusal``, or the server's content filter).

    Unlike an empty or garbled answer this is the model's considered reply to
    this request, so asking again would only spend tokens: it is never retried.
    """

    def __init__(self, refusal: str):
        self.refusal = refusal
        super().__init__(f"The LLM refused to answer: {' '.join(refusal.split())[:300]}")


class BadAnswer(Exception):
    """A 200 with nothing usable in it: no choices, null or blank content, a body that is not JSON.

    Overloaded servers and proxies answer like this now and then, and the same
    request usually works a moment later, so a backend retries it like a 5xx
    and, when its attempts run out, raises :class:`~briefer.errors.LLMError`.
    """

    def __init__(self, what: str, usage: Usage | None = None):
        super().__init__(what)
        self.usage = usage or Usage()
