"""Which backend a run uses, and a registry of the backends briefer knows.

A configured endpoint (``base_url`` or an API key) wins; with neither, briefer
serves its embedded local model. Each kind is registered by name with the
module that opens it and reports on it in ``briefer doctor``; that module is
imported only when the kind is used, so ``briefer --help`` loads no client.
Adding a provider is one new module with ``open_backend(settings, lazy)`` and
``doctor_rows(settings)`` plus one :func:`register` line.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from ..config import Settings
from ..errors import redact

if TYPE_CHECKING:
    from ..state.store import Store
    from .base import Backend


class BackendKind(str, Enum):
    remote = "remote"
    local = "local"


class BackendModule(Protocol):
    def open_backend(self, settings: Settings, lazy: bool) -> ContextManager[Backend]: ...
    def doctor_rows(self, settings: Settings) -> list[tuple[str, str]]: ...


_REGISTRY: dict[BackendKind, str] = {}


def register(kind: BackendKind, module: str) -> None:
    """Register the module (imported on first use) that opens backends of ``kind``."""
    _REGISTRY[kind] = module


def backend_module(kind: BackendKind) -> BackendModule:
    return importlib.import_module(_REGISTRY[kind])  # type: ignore[return-value]


register(BackendKind.remote, "briefer.llm.remote")
register(BackendKind.local, "briefer.llm.local.backend")


@dataclass(frozen=True)
class Choice:
    """Which backend a run would use, and why (also what ``briefer doctor`` prints)."""

    kind: BackendKind
    reason: str


def choose(settings: Settings) -> Choice:
    """A base URL wins, then an API key, else the embedded model; the reason says where the setting came from."""
    if settings.base_url:
        where = settings.origin("base_url")
        return Choice(BackendKind.remote, f"base URL {redact(settings.base_url)} is configured ({where})")
    if settings.api_key:
        where = settings.origin("api_key").phrase("api_key")
        return Choice(BackendKind.remote, f"an API key is set ({where}), so OpenAI's API")
    return Choice(
        BackendKind.local, "no API key and no base URL are configured, so briefer serves its local model"
    )


@contextlib.contextmanager
def open_backend(
    settings: Settings, kind: BackendKind, *, store: Store | None = None, lazy: bool = True
) -> Iterator[Backend]:
    """The backend for one run, answering from ``store``'s response cache when one is given.

    With ``lazy`` the local server starts on the first cache miss, so a fully
    cached re-run never starts it. Its first call must then come from a thread
    that outlives the server (the server is tied to the thread that started
    it); multi-threaded callers pass ``lazy=False``.
    """
    with backend_module(kind).open_backend(settings, lazy) as backend:
        if store is not None:
            from .cache import CachingBackend

            backend = CachingBackend(backend, store)
        yield backend
