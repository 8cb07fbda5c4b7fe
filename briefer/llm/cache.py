"""The LLM response cache: a backend wrapper that answers repeated requests from the store.

The key is the sha256 of the model, the configured structured-output mode and
the full request (messages, schema, budget, temperature, seed), so a prompt or
schema change can never be answered by an old entry.
"""

from __future__ import annotations

import hashlib
import json

from ..models import Usage
from ..state.store import Store
from .base import Backend, ChatRequest, ChatResult


def cache_key(model: str, mode: str, request: ChatRequest) -> str:
    payload = json.dumps(
        {"model": model, "mode": mode, "request": request.fingerprint()}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class CachingBackend:
    """Answers repeated requests from the store; counts real calls in ``calls``."""

    def __init__(self, inner: Backend, store: Store):
        self.inner = inner
        self.store = store
        self.model = inner.model
        # The configured mode (not what "auto" later resolves to), so cached runs
        # report the same metadata as the run that filled the cache.
        self.structured_mode = inner.structured_mode
        self.calls = 0
        self.hits = 0

    def chat(self, request: ChatRequest) -> ChatResult:
        key = cache_key(self.model, self.structured_mode, request)
        row = self.store.cache_get(key)
        if row is not None:
            self.hits += 1
            usage = Usage(prompt_tokens=row[2], completion_tokens=row[3])
            return ChatResult(content=row[0], finish_reason=row[1], usage=usage, cached=True)
        self.calls += 1
        result = self.inner.chat(request)
        if result.finish_reason == "stop":
            u = result.usage
            self.store.cache_put(
                key, self.model, result.content, result.finish_reason, u.prompt_tokens, u.completion_tokens
            )
        return result
