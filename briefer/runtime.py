"""Every decision a run needs, resolved once at the edge and passed down.

The CLI (or a library caller) turns :class:`~briefer.config.Settings` into a
:class:`Runtime`: which backend and why, the chunk size and concurrency that
suit it, the extraction options and their fingerprint. Nothing below
re-derives these from settings. The caller also owns the one
:class:`~briefer.state.store.Store` a run shares between the response cache
and the digest state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .brief.extract import ExtractOptions
from .brief.prompts import load_prompts
from .config import Settings
from .llm.base import Backend
from .llm.select import BackendKind, choose, open_backend
from .state.repair import UnusableStore
from .state.store import StateError, Store

# Small chunks for the embedded 0.5B model (it copies quotes far better from ~300
# tokens than from 1,000), larger ones for remote models.
CHUNK_TOKENS = {BackendKind.local: 300, BackendKind.remote: 1500}
# One worker for the embedded model, which already uses every core; four for a remote API.
CONCURRENCY = {BackendKind.local: 1, BackendKind.remote: 4}
# Chunks of one brief asked at once: the embedded model already uses every core.
CHUNK_CONCURRENCY = {BackendKind.local: 1, BackendKind.remote: 4}
_FINGERPRINT_FIELDS = (
    "model",
    "base_url",
    "model_path",
    "structured_mode",
    "max_tokens",
    "max_reasks",
    "max_facts",
    "temperature",
)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    kind: BackendKind
    reason: str
    chunk_tokens: int
    concurrency: int
    options: ExtractOptions = field(default_factory=ExtractOptions)
    chunk_concurrency: int = 1

    @classmethod
    def resolve(cls, settings: Settings, *, concurrency: int | None = None) -> Runtime:
        choice = choose(settings)
        return cls(
            settings=settings,
            kind=choice.kind,
            reason=choice.reason,
            chunk_tokens=settings.max_chunk_tokens or CHUNK_TOKENS[choice.kind],
            concurrency=concurrency or CONCURRENCY[choice.kind],
            options=ExtractOptions.from_settings(settings),
            chunk_concurrency=settings.chunk_concurrency or CHUNK_CONCURRENCY[choice.kind],
        )

    def fingerprint(self) -> dict[str, Any]:
        """Everything besides the article that shapes a brief (the stored brief's key)."""
        values = {f: str(getattr(self.settings, f)) for f in _FINGERPRINT_FIELDS}
        return {"prompt": load_prompts().version, "chunk_tokens": self.chunk_tokens, **values}

    def brief_key(self, text: str, title: str) -> str:
        payload = {"text": text, "title": title, "settings": self.fingerprint()}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def open_store(self) -> Store | UnusableStore:
        """The run's store; for a corrupt or unusable file, an :class:`UnusableStore` instead.

        A brief only needs the optional response cache, which then warns once
        and carries on without it; digest state raises the file's one-line
        :class:`StateError` on first use (``briefer doctor --repair`` fixes it).
        """
        try:
            return Store(self.settings.state_path())
        except StateError as exc:
            return UnusableStore(exc)

    @contextlib.contextmanager
    def backend(self, store: Store | None = None, *, lazy: bool = True) -> Iterator[Backend]:
        """The run's backend; answers come from ``store``'s cache when caching is on."""
        cache = store if self.settings.cache else None
        with open_backend(self.settings, self.kind, store=cache, lazy=lazy) as backend:
            yield backend
