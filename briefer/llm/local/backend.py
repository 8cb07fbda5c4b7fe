"""The embedded model as a :class:`~briefer.llm.base.Backend`: its server behind the OpenAI backend."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from ...config import Settings
from ..base import ChatRequest, ChatResult
from ..openai import OpenAIBackend, openai_client
from .doctor import doctor_info
from .model import DEFAULT_MODEL_NAME, resolve_model
from .server import INTERRUPT_GRACE, LocalServer

log = logging.getLogger("briefer.local")


class LocalBackend:
    """The embedded llama.cpp server behind the same OpenAI backend as any other server."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.info = resolve_model(settings.model_path, settings.model_cache_dir())
        self.model = settings.model or (
            DEFAULT_MODEL_NAME if self.info.source == "packaged" else self.info.path.stem
        )
        self._configured_mode = settings.structured_mode or "json_object"
        self.server = LocalServer(self.info.path, n_ctx=settings.n_ctx, n_threads=settings.n_threads)
        self._inner: OpenAIBackend | None = None
        self._lock = threading.Lock()

    def start(self) -> OpenAIBackend:
        with self._lock:
            if self._inner is None:
                log.info("starting the embedded model server (llama.cpp, %d threads)", self.server.n_threads)
                self.server.start()
                client = openai_client(self.settings, base_url=self.server.base_url)
                self._inner = OpenAIBackend(
                    client, self.model, structured_mode=self._configured_mode, attempts=self.settings.attempts
                )
            return self._inner

    def chat(self, request: ChatRequest) -> ChatResult:
        return self.start().chat(request)

    @property
    def structured_mode(self) -> str:
        """The mode configured, or the one ``auto`` settled on once the server has answered."""
        return self._inner.structured_mode if self._inner else self._configured_mode

    @property
    def calls(self) -> int:
        return self._inner.calls if self._inner else 0

    def __enter__(self) -> LocalBackend:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc_info: object) -> None:
        if kind is None or not issubclass(kind, KeyboardInterrupt) or self.server.pid is None:
            self.server.stop()
            return
        try:  # a second Ctrl-C, even while this is said, still stops the server: at once
            log.warning(
                "interrupted: stopping the embedded model server (pid %d) mid-answer; Ctrl-C again to force",
                self.server.pid,
            )
        finally:
            self.server.stop(grace=INTERRUPT_GRACE)


@contextlib.contextmanager
def open_backend(settings: Settings, lazy: bool = True) -> Iterator[LocalBackend]:
    """The embedded model for one run; its server stops when the block ends."""
    with LocalBackend(settings) as backend:
        if not lazy:
            backend.start()
        yield backend


def doctor_rows(settings: Settings) -> list[tuple[str, str]]:
    return doctor_info(settings.model_path, settings.model_cache_dir())
