"""Choose and open the LLM backend a run will use.

A configured endpoint (``base_url`` or an API key) wins. With neither, briefer
serves its embedded local model (:mod:`briefer.local`) for the length of the
run and talks to it through the same OpenAI client as any other server.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import openai

from .config import Settings
from .errors import LLMError
from .llm import Backend, ChatRequest, ChatResult, OpenAIBackend
from .store import CachingBackend, Store

DEFAULT_REMOTE_MODEL = "gpt-4o-mini"


@dataclass
class Choice:
    """Which backend a run would use, and why (also what ``briefer doctor`` prints)."""

    kind: str  # "remote" or "local"
    reason: str


def choose(settings: Settings) -> Choice:
    if settings.base_url:
        return Choice("remote", f"base URL {settings.base_url} is configured")
    if settings.api_key:
        return Choice("remote", "OPENAI_API_KEY is set (OpenAI's API)")
    return Choice("local", "no API key and no base URL are configured, so briefer serves its local model")


def openai_client(settings: Settings, base_url: str | None = None) -> openai.OpenAI:
    key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    return openai.OpenAI(api_key=key, base_url=base_url or settings.base_url, timeout=settings.timeout, max_retries=0)


def remote_model(settings: Settings, client: openai.OpenAI) -> str:
    """The configured model; for a custom server without one, the first model it lists."""
    if settings.model:
        return settings.model
    if not settings.base_url:
        return DEFAULT_REMOTE_MODEL
    try:
        models = client.models.list()
    except openai.APIError as exc:
        raise LLMError(f"Cannot list models at {settings.base_url} ({type(exc).__name__}); pass --model.") from exc
    first = next(iter(models), None)
    if first is None:
        raise LLMError(f"The server at {settings.base_url} lists no models; pass --model.")
    return first.id


@contextlib.contextmanager
def open_backend(settings: Settings, *, lazy: bool = True) -> Iterator[Backend]:
    """The backend for one run, wrapped in the response cache; stops a local server on exit.

    With ``lazy`` the local server starts on the first cache miss, so a fully
    cached re-run never starts it. Its first call must then come from a thread
    that outlives the server (the server is tied to the thread that started
    it); multi-threaded callers pass ``lazy=False``.
    """
    with contextlib.ExitStack() as stack:
        if choose(settings).kind == "remote":
            client = openai_client(settings)
            model = remote_model(settings, client)
            backend: Backend = OpenAIBackend(
                client, model, structured_mode=settings.structured_mode or "auto", attempts=settings.attempts
            )
        else:
            local_backend = stack.enter_context(LocalBackend(settings))
            if not lazy:
                local_backend.start()
            backend = local_backend
        if settings.cache:
            store = Store(settings.state_dir() / "briefer.sqlite3")
            stack.callback(store.close)
            backend = CachingBackend(backend, store)
        yield backend


class LocalBackend:
    """The embedded llama.cpp server behind the same OpenAI backend as any other server."""

    def __init__(self, settings: Settings):
        from . import local

        self.settings = settings
        self.info = local.resolve_model(settings.model_path, settings.model_cache_dir())
        self.model = settings.model or (local.DEFAULT_MODEL_NAME if self.info.source == "packaged" else self.info.path.stem)
        self.structured_mode = settings.structured_mode or "json_object"
        self.server = local.LocalServer(self.info.path, n_ctx=settings.n_ctx, n_threads=settings.n_threads)
        self._inner: OpenAIBackend | None = None
        self._lock = threading.Lock()

    def start(self) -> OpenAIBackend:
        with self._lock:
            if self._inner is None:
                self.server.start()
                client = openai_client(self.settings, base_url=self.server.base_url)
                self._inner = OpenAIBackend(client, self.model, structured_mode=self.structured_mode, attempts=self.settings.attempts)
            return self._inner

    def chat(self, request: ChatRequest) -> ChatResult:
        return self.start().chat(request)

    def __enter__(self) -> LocalBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()
