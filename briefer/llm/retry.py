"""When to call again: the server's Retry-After, jittered backoff, and a pause shared by every thread.

Transient failures are retried in :mod:`briefer.llm.openai` with tenacity; the
waiting rules live here and nowhere else.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import openai
from tenacity import RetryCallState

log = logging.getLogger("briefer.llm")
MAX_PAUSE = 60.0  # the longest Retry-After honoured: a server asking for an hour gets a minute


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's Retry-After (seconds, an HTTP date, or the ms header), if it sent one."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        with contextlib.suppress(ValueError):
            return max(0.0, float(value) * scale)
        with contextlib.suppress(TypeError, ValueError):  # Retry-After may also be an HTTP date
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    return None


def backoff(state: RetryCallState, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Full-jitter exponential backoff, unless the server asked for a pause.

    A requested pause (429, or Retry-After) is taken by the shared :class:`Cooldown`
    before the next call, so it holds for every worker thread and is not slept twice.
    """
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, openai.RateLimitError) or (exc and retry_after_seconds(exc) is not None):
        return 0.0
    return random.uniform(0, min(cap, base * 2 ** (state.attempt_number - 1)))


class Cooldown:
    """A pause shared by every thread using one backend: after a 429, nobody calls until it ends.

    Otherwise the other workers would keep hitting a server that has just said it is overloaded.
    """

    def __init__(self, sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic):
        self._sleep, self._clock = sleep, clock
        self._until = 0.0
        self._lock = threading.Lock()

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self._clock() + min(seconds, MAX_PAUSE))

    def wait(self) -> None:
        remaining = self._until - self._clock()
        if remaining > 0:
            self._sleep(remaining)


def retry_reason(exc: BaseException | None) -> str:
    """Why a request is tried again, in a few words a user can read."""
    if isinstance(exc, openai.APITimeoutError):
        return "no answer within the timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "the connection failed"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    return str(exc) or type(exc).__name__  # BadAnswer: "answered with no choices", ...


def say_retry(where: str, attempts: int) -> Callable[[RetryCallState], None]:
    """tenacity's ``before_sleep``: one line each time a request is about to be sent again."""

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        when = f" in {wait:.0f} s" if wait >= 0.5 else ""
        log.warning(
            f"the LLM at {where}: attempt {state.attempt_number} of {attempts} failed"
            f" ({retry_reason(exc)}); trying again{when}"
        )

    return before_sleep
