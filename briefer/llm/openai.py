"""The only module that speaks the wire format of OpenAI-compatible servers.

A backend takes a :class:`ChatRequest` (messages, a JSON schema, a token
budget) and returns a :class:`ChatResult` (raw content, finish reason, usage).
Everything above this module works with those two types, so the fake backend
in :mod:`briefer.testing` and the response cache in :mod:`briefer.llm.cache` plug
in the same way as a real server.

Structured output differs by server; ``structured_mode`` picks the shape:

- ``json_schema``: ``{"type": "json_schema", "json_schema": {name, schema, strict}}``
  (OpenAI, llama.cpp's llama-server, vLLM).
- ``json_object``: ``{"type": "json_object", "schema": ...}``, which the
  llama-cpp-python server compiles into a grammar (it answers ``json_schema``
  with HTTP 500).
- ``auto``: try ``json_schema``; if the server refuses it (400/422/500), fall
  back to ``json_object`` and remember the choice for the rest of the run.

Transient failures (429 honouring Retry-After, 5xx, timeouts, connection
errors) are retried here with tenacity and nowhere else; the SDK's own retries
are off so the two never stack. A 400 is never retried.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import openai
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from ..config import Settings
from ..errors import LLMError
from ..models import Usage
from .base import ChatRequest, ChatResult

STRUCTURED_MODES = ("auto", "json_schema", "json_object")
_TRANSIENT = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
_MODE_REFUSED = (openai.BadRequestError, openai.UnprocessableEntityError, openai.InternalServerError)


def openai_client(settings: Settings, base_url: str | None = None) -> openai.OpenAI:
    """A client for the configured endpoint (or ``base_url``), with the SDK's own retries off."""
    key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    return openai.OpenAI(
        api_key=key, base_url=base_url or settings.base_url, timeout=settings.timeout, max_retries=0
    )


def response_format(mode: str, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
    if mode == "json_object":
        return {"type": "json_object", "schema": schema}
    raise ValueError(f"unknown structured mode {mode!r}")


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's Retry-After (seconds or ms header), if it sent one."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None


def backoff(state: RetryCallState, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Full-jitter exponential backoff, unless the server asked for a pause.

    A requested pause (429, or Retry-After on any answer) is taken by the
    backend's shared :class:`Cooldown` before the next call, so it holds for
    every worker thread and is not slept twice.
    """
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, openai.RateLimitError) or (exc and retry_after_seconds(exc) is not None):
        return 0.0
    return random.uniform(0, min(cap, base * 2 ** (state.attempt_number - 1)))


class Cooldown:
    """A pause shared by every thread using one backend: after a 429, nobody calls until it ends.

    Retrying each worker on its own would let the others keep hitting a server
    that has just said it is overloaded.
    """

    def __init__(self, sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic):
        self._sleep, self._clock = sleep, clock
        self._until = 0.0
        self._lock = threading.Lock()

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self._clock() + min(seconds, 60.0))

    def wait(self) -> None:
        remaining = self._until - self._clock()
        if remaining > 0:
            self._sleep(remaining)


class OpenAIBackend:
    """A backend over the ``openai`` client; any OpenAI-compatible ``base_url`` works."""

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        *,
        structured_mode: str = "auto",
        attempts: int = 4,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if structured_mode not in STRUCTURED_MODES:
            raise ValueError(f"structured_mode must be one of {STRUCTURED_MODES}")
        self.client = client.with_options(max_retries=0)
        self.model = model
        self.structured_mode = structured_mode
        self.attempts = attempts
        self._sleep = sleep
        self._cooldown = Cooldown(sleep or time.sleep, clock)
        self.calls = 0

    def chat(self, request: ChatRequest) -> ChatResult:
        self.calls += 1
        if self.structured_mode == "auto":
            return self._detect(request)
        return self._with_retries(request, self.structured_mode)

    def _detect(self, request: ChatRequest) -> ChatResult:
        try:
            result = self._call(request, "json_schema")
        except _MODE_REFUSED:
            result = self._with_retries(request, "json_object")
            self.structured_mode = "json_object"
            return result
        except _TRANSIENT:
            return self._with_retries(request, "json_schema")  # mode unknown yet; retry as is
        except openai.APIError as exc:
            raise LLMError(describe_api_error(exc, self.client.base_url, self.model)) from exc
        self.structured_mode = "json_schema"
        return result

    def _with_retries(self, request: ChatRequest, mode: str) -> ChatResult:
        kwargs: dict[str, Any] = {"sleep": self._sleep} if self._sleep else {}
        retrying = Retrying(
            retry=retry_if_exception(lambda e: isinstance(e, _TRANSIENT)),
            stop=stop_after_attempt(self.attempts),
            wait=backoff,
            reraise=True,
            **kwargs,
        )
        try:
            return retrying(self._call, request, mode)
        except openai.APIError as exc:
            raise LLMError(describe_api_error(exc, self.client.base_url, self.model)) from exc

    def _call(self, request: ChatRequest, mode: str) -> ChatResult:
        self._cooldown.wait()
        try:
            completion = self._create(request, mode)
        except _TRANSIENT as exc:
            pause = retry_after_seconds(exc)
            if pause is not None or isinstance(exc, openai.RateLimitError):
                self._cooldown.hold(1.0 if pause is None else pause)
            raise
        return _result(completion)

    def _create(self, request: ChatRequest, mode: str) -> Any:
        return self.client.chat.completions.create(
            model=self.model,
            messages=list(request.messages),  # type: ignore[arg-type]
            response_format=response_format(mode, request.schema_name, request.schema),  # type: ignore[arg-type]
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            seed=request.seed,
        )


def _result(completion: Any) -> ChatResult:
    choice = completion.choices[0]
    usage = completion.usage
    return ChatResult(
        content=choice.message.content or "",
        finish_reason=choice.finish_reason or "stop",
        usage=Usage(
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        ),
    )


def describe_api_error(exc: openai.APIError, base_url: Any, model: str) -> str:
    """One line a user can act on."""
    if isinstance(exc, openai.APITimeoutError):
        return f"The LLM at {base_url} timed out; try again, or raise `timeout` in the config."
    if isinstance(exc, openai.APIConnectionError):
        return f"Cannot reach the LLM at {base_url}; check --base-url / OPENAI_BASE_URL and that the server is running."
    if isinstance(exc, openai.AuthenticationError):
        return f"The LLM at {base_url} rejected the API key (HTTP 401); check OPENAI_API_KEY."
    if isinstance(exc, openai.NotFoundError):
        return f"The LLM at {base_url} answered 404: is the model name {model!r} right, and does the base URL end in /v1?"
    if isinstance(exc, openai.RateLimitError):
        return f"The LLM at {base_url} kept answering 429 (rate limited) after retries; try again later."
    if isinstance(exc, openai.APIStatusError):
        detail = _error_detail(exc)
        return f"The LLM at {base_url} answered HTTP {exc.status_code}: {detail}"
    return f"The LLM call failed: {exc}"


def _error_detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        body = body.get("error", body)
        if isinstance(body, dict):
            body = body.get("message", body)
    text = body if isinstance(body, str) else json.dumps(body)
    return " ".join(str(text).split())[:300]
