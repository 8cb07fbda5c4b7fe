"""A configured OpenAI-compatible endpoint (OpenAI itself, vLLM, Ollama, a llama.cpp server)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import openai

from ..config import Settings
from ..errors import LLMError, redact
from .base import Backend
from .openai import OpenAIBackend, describe_api_error, openai_client
from .probe import server_health

DEFAULT_REMOTE_MODEL = "gpt-4o-mini"


def remote_model(settings: Settings, client: openai.OpenAI) -> str:
    """The configured model; for a custom server without one, the first model it lists."""
    if settings.model:
        return settings.model
    if not settings.base_url:
        return DEFAULT_REMOTE_MODEL
    try:
        models = client.models.list()
    except (openai.APIConnectionError, openai.APITimeoutError) as exc:
        raise LLMError(describe_api_error(exc, redact(settings.base_url), "")) from exc
    except openai.APIError as exc:
        raise LLMError(
            f"Cannot list models at {redact(settings.base_url)} ({type(exc).__name__}); pass --model."
        ) from exc
    first = next(iter(models), None)
    if first is None:
        raise LLMError(f"The server at {redact(settings.base_url)} lists no models; pass --model.")
    return first.id


@contextlib.contextmanager
def open_backend(settings: Settings, lazy: bool = True) -> Iterator[Backend]:
    client = openai_client(settings)
    model = remote_model(settings, client)
    yield OpenAIBackend(
        client, model, structured_mode=settings.structured_mode or "auto", attempts=settings.attempts
    )


def doctor_rows(settings: Settings) -> list[tuple[str, str]]:
    return [("server", server_health(settings.base_url or "https://api.openai.com/v1")[1])]
