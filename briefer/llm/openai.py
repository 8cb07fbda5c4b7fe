"""The only module that speaks the wire format of OpenAI-compatible servers (see :mod:`.base`).

Structured output differs by server; ``structured_mode`` picks the shape:
``json_schema`` (OpenAI, llama-server, vLLM), ``json_object`` + ``schema`` (what
llama-cpp-python compiles into a grammar), or ``auto``: ``json_schema`` until the
server rejects that shape itself (:func:`format_refused`), then ``json_object``.

Transient failures (429 and 503 honouring a capped Retry-After, other 5xx,
timeouts, connection errors, 200s with nothing usable) are retried here with
tenacity and nowhere else (the SDK's own retries are off so the two never
stack). A 400 and a refusal are never retried. Failures leave as :class:`LLMError`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import openai
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from ..config import Settings
from ..errors import LLMError, redact
from ..models import Usage
from .base import BadAnswer, ChatRequest, ChatResult, Refused
from .retry import MAX_PAUSE, Cooldown, backoff, retry_after_seconds, say_retry

log = logging.getLogger("briefer.llm")

STRUCTURED_MODES = ("auto", "json_schema", "json_object")
_RETRIED = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError, BadAnswer)
_NAMES_FORMAT = re.compile(r"response[_ ]format|json[_ ]schema", re.I)
_REJECTS_FORMAT = re.compile(r"response_format|not supported|unsupported", re.I)


class FormatRefused(Exception):
    """The server rejected the ``response_format`` shape (``args[0]``, its error): "auto" switches on it."""


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


def format_refused(exc: BaseException) -> bool:
    """Did the server reject the structured-output shape, rather than hiccup?

    A 400/422 names the response format; llama-cpp-python answers a 500 with
    pydantic's complaint about ``response_format.type`` (input ``json_schema``).
    Any other 5xx is a hiccup: switching on it would change a whole run's format.
    """
    if not isinstance(exc, openai.APIStatusError):
        return False
    text = _error_detail(exc, limit=None)
    if exc.status_code in (400, 422):
        return bool(_NAMES_FORMAT.search(text))
    return exc.status_code == 500 and "json_schema" in text and bool(_REJECTS_FORMAT.search(text))


class OpenAIBackend:
    """A backend over the ``openai`` client; any OpenAI-compatible ``base_url`` works.

    Safe to share between threads. In "auto" mode every thread sends
    ``json_schema`` until the mode is settled (nobody waits for a first
    verdict); the first refusal switches to ``json_object`` once, under a lock,
    and only the refused requests are sent again.
    """

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
        self.where = redact(client.base_url)  # for messages: never a password from the URL
        self.model = model
        self.structured_mode = structured_mode  # "auto" until detection, then the mode in use
        self.attempts = attempts
        self._sleep = sleep
        self._cooldown = Cooldown(sleep or time.sleep, clock)
        self._detecting, self._counting = threading.Lock(), threading.Lock()
        self.calls = 0

    def chat(self, request: ChatRequest) -> ChatResult:
        with self._counting:
            self.calls += 1
        if self.structured_mode == "auto":
            return self._detect(request)
        return self._send(request, self.structured_mode)

    def _detect(self, request: ChatRequest) -> ChatResult:
        """Send as ``json_schema``; settle on it once it works, or on ``json_object`` if it is refused."""
        try:
            result = self._with_retries(request, "json_schema")
        except FormatRefused as exc:
            if self._switch(exc) == "json_schema":  # it worked for another request: this refusal is an error
                raise self._refusal(exc, "json_schema") from exc
            return self._send(request, "json_object")
        with self._detecting:
            if self.structured_mode == "auto":
                self.structured_mode = "json_schema"
        return result

    def _switch(self, exc: FormatRefused) -> str:
        """On the first refusal, switch to ``json_object`` (and say so) once; return the mode settled on."""
        with self._detecting:
            if self.structured_mode == "auto":
                why = f"HTTP {exc.args[0].status_code}: {_error_detail(exc.args[0], limit=120)}"
                log.warning(f"the LLM at {self.where} refused json_schema ({why}); using json_object")
                self.structured_mode = "json_object"
            return self.structured_mode

    def _send(self, request: ChatRequest, mode: str) -> ChatResult:
        try:
            return self._with_retries(request, mode)
        except FormatRefused as exc:
            raise self._refusal(exc, mode) from exc

    def _refusal(self, exc: FormatRefused, mode: str) -> LLMError:
        other = "json_object" if mode == "json_schema" else "json_schema"
        message = describe_api_error(exc.args[0], self.where, self.model)
        return LLMError(f"{message} (sent {mode}; try --structured-mode {other})")

    def _with_retries(self, request: ChatRequest, mode: str) -> ChatResult:
        """One request, retried on transient failures; usage of discarded answers is kept."""
        kwargs: dict[str, Any] = {"sleep": self._sleep} if self._sleep else {}
        retrying = Retrying(
            retry=retry_if_exception_type(_RETRIED),
            stop=stop_after_attempt(self.attempts),
            wait=backoff,
            before_sleep=say_retry(self.where, self.attempts),
            reraise=True,
            **kwargs,
        )
        wasted: list[Usage] = []
        try:
            result = retrying(self._call, request, mode, wasted)
        except BadAnswer as exc:
            raise LLMError(
                f"The LLM at {self.where} {exc} ({self.attempts} attempts); try again later."
            ) from exc
        except openai.APIError as exc:
            raise LLMError(describe_api_error(exc, self.where, self.model)) from exc
        result.usage = sum(wasted, result.usage)
        return result

    def _call(self, request: ChatRequest, mode: str, wasted: list[Usage]) -> ChatResult:
        self._cooldown.wait()
        try:
            completion = self.client.chat.completions.create(
                model=self.model,
                messages=list(request.messages),  # type: ignore[arg-type]
                response_format=response_format(mode, request.schema_name, request.schema),  # type: ignore[arg-type]
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                seed=request.seed,
            )
        except openai.APIStatusError as exc:
            if format_refused(exc):
                raise FormatRefused(exc) from exc
            if isinstance(exc, _RETRIED):
                self._pause_if_asked(exc)
            raise
        except json.JSONDecodeError as exc:  # the SDK lets a 200 with a non-JSON body through raw
            raise BadAnswer("answered with a body that is not JSON") from exc
        try:
            return _result(completion)
        except BadAnswer as exc:
            wasted.append(exc.usage)
            raise

    def _pause_if_asked(self, exc: openai.APIStatusError) -> None:
        """Honour Retry-After (429, 503, any 5xx that sends one), capped at MAX_PAUSE, in a log line."""
        asked = retry_after_seconds(exc)
        if asked is None and not isinstance(exc, openai.RateLimitError):
            return
        pause = min(MAX_PAUSE, 1.0 if asked is None else asked)
        said = "" if asked is None else f" with Retry-After {asked:g} s"
        base, capped = self.where, " (capped)" if pause < (asked or 0) else ""
        log.warning(f"the LLM at {base} answered HTTP {exc.status_code}{said}; pausing {pause:g} s{capped}")
        self._cooldown.hold(pause)


def _result(completion: Any) -> ChatResult:
    """The first choice, read defensively (the SDK does not validate bodies).

    No choices or blank content: :class:`BadAnswer`, retried. A refusal or the
    content filter: :class:`Refused`, final. ``length`` is the caller's to handle.
    """
    usage = _usage(completion)
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise BadAnswer("answered with no choices", usage)
    message = getattr(choices[0], "message", None)
    finish = getattr(choices[0], "finish_reason", None) or "stop"
    refusal = getattr(message, "refusal", None)
    if isinstance(refusal, str) and refusal.strip():
        raise Refused(refusal)
    if finish == "content_filter":
        raise Refused("the server's content filter stopped the answer")
    content = getattr(message, "content", None)
    text = content if isinstance(content, str) else ""
    if finish != "length" and not text.strip():
        what = "null content" if content is None else "blank content" if text else "content that is not text"
        raise BadAnswer(f"answered with {what}", usage)
    return ChatResult(content=text, finish_reason=finish, usage=usage)


def _usage(completion: Any) -> Usage:
    usage = getattr(completion, "usage", None)
    counts = [getattr(usage, n, 0) for n in ("prompt_tokens", "completion_tokens")]
    prompt, answer = (c if isinstance(c, int) and c >= 0 else 0 for c in counts)
    return Usage(prompt_tokens=prompt, completion_tokens=answer)


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
        return f"The LLM at {base_url} answered HTTP {exc.status_code}: {_error_detail(exc)}"
    return f"The LLM call failed: {exc}"


def _error_detail(exc: openai.APIStatusError, limit: int | None = 300) -> str:
    body = exc.body
    if isinstance(body, dict):
        body = body.get("error", body)
        if isinstance(body, dict):
            body = body.get("message", body)
    text = body if isinstance(body, str) else json.dumps(body)
    return " ".join(str(text).split())[:limit]
