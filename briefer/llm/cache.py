"""The LLM response cache: a backend wrapper that answers repeated requests from the store.

The key is the sha256 of the model, the configured structured-output mode and
the full request (messages, schema, budget, temperature, seed), so a prompt or
schema change can never be answered by an old entry. The key holds the
*configured* mode (often "auto") so re-runs hit whatever "auto" settles on;
each row also records the mode actually used, so a cached re-run reports it.

The cache only saves calls: if the state file turns out to be unusable
(:class:`~briefer.state.store.StateError`), it says so once and the run goes
on without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading

from ..models import Usage
from ..state.store import StateError, Store
from .base import Backend, ChatRequest, ChatResult

log = logging.getLogger("briefer.llm")


def cache_key(model: str, mode: str, request: ChatRequest) -> str:
    payload = json.dumps(
        {"model": model, "mode": mode, "request": request.fingerprint()}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class CachingBackend:
    """Answers repeated requests from the store; counts real calls in ``calls``."""

    def __init__(self, inner: Backend, store: Store):
        self.inner = inner
        self.store: Store | None = store
        self.model = inner.model
        self.configured_mode = inner.structured_mode  # the key's mode: stable across runs
        self._cached_mode = ""  # the mode a cache hit was answered in
        self.calls = 0
        self.hits = 0
        self._lock = threading.Lock()

    @property
    def structured_mode(self) -> str:
        """The mode in use: what the inner backend settled on, else what cached answers were sent in."""
        live = self.inner.structured_mode
        return live if live != self.configured_mode else self._cached_mode or live

    def chat(self, request: ChatRequest) -> ChatResult:
        key = cache_key(self.model, self.configured_mode, request)
        row = self._get(key)
        with self._lock:  # a brief's chunks and a digest's articles may ask from several threads
            self.hits += row is not None
            self.calls += row is None
        if row is not None:
            self._cached_mode = row[4] or self._cached_mode
            usage = Usage(prompt_tokens=row[2], completion_tokens=row[3])
            return ChatResult(content=row[0], finish_reason=row[1], usage=usage, cached=True)
        result = self.inner.chat(request)
        if result.finish_reason == "stop":
            self._put(key, result)
        return result

    def _get(self, key: str) -> tuple | None:
        try:
            return self.store.cache_get(key) if self.store else None
        except StateError as exc:
            self._give_up(exc)
            return None

    def _put(self, key: str, result: ChatResult) -> None:
        u, mode = result.usage, self.inner.structured_mode
        try:
            if self.store:
                self.store.cache_put(
                    key,
                    self.model,
                    result.content,
                    result.finish_reason,
                    u.prompt_tokens,
                    u.completion_tokens,
                    mode,
                )
        except StateError as exc:
            self._give_up(exc)

    def _give_up(self, exc: StateError) -> None:
        """Drop the cache for the rest of the run, saying so once whichever thread hits it first."""
        with self._lock:
            if self.store is None:
                return
            self.store = None
        log.warning(f"{exc} Continuing without the response cache: this run's answers are not cached.")


class Tally:
    """One brief's view of a shared backend: its answers, asked or from the cache, and their tokens.

    A digest briefs articles on several threads over one backend, and a brief's chunks
    run at once, so the backend's own counters cannot tell one brief's calls from another's.
    """

    def __init__(self, inner: Backend):
        self.inner, self.model = inner, inner.model
        self.asked = self.cached = 0
        self.usage = Usage()
        self._lock = threading.Lock()

    @property
    def structured_mode(self) -> str:
        return self.inner.structured_mode

    @property
    def calls(self) -> int:
        return self.inner.calls

    @property
    def all_cached(self) -> bool:
        """Every answer so far came from the cache (and there was at least one)."""
        return self.cached > 0 and self.asked == 0

    def chat(self, request: ChatRequest) -> ChatResult:
        result = self.inner.chat(request)
        with self._lock:
            self.cached += result.cached
            self.asked += not result.cached
            self.usage = self.usage + result.usage
        return result
