"""The contract between briefer and any LLM: a request, a result, and the :class:`Backend` protocol.

Everything above :mod:`briefer.llm` works with these three names only, so the
OpenAI-compatible backend, the embedded model, the response cache and the
test double in :mod:`briefer.testing` are interchangeable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

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
