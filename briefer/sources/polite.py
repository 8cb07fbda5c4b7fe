"""Politeness towards the sites a digest reads: per host, few requests at once, a pause, and Retry-After.

An OPML file of 200 subscriptions makes one run ask a single newspaper for
dozens of pages. Feed readers keep to a few connections per host and space
requests out; so does briefer. :class:`HostGate` lets at most ``per_host``
requests to one host (scheme, name and port) run at once and starts them at
least ``delay`` seconds apart. A 429 or 503 with ``Retry-After`` pauses every
request to that host, and the request itself is tried once more if the wait
fits inside its deadline (:func:`polite_get`); otherwise the error stands and
the source is listed as not covered. Waiting for a slot does not count against
a download's deadline (the deadline is about the server, not about our
queue); the Retry-After wait does.

Redirects are followed inside one request, so a hop to another host is not
gated separately. :func:`map_by_host` hands jobs to a thread pool one host at
a time in turn, so the pool's workers are not all queued behind one slow host
while the others idle; results keep the given order.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from typing import TypeVar
from urllib.parse import urlsplit

from .netfetch import FetchCancelled, FetchError, redact

log = logging.getLogger("briefer.sources")
T = TypeVar("T")
R = TypeVar("R")


def host_key(url: str) -> str:
    """``scheme://host:port`` of ``url`` (lower-case, default port filled in); the URL itself if unparsable."""
    try:
        parts = urlsplit(url.strip())
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
    except ValueError:
        return url
    return f"{scheme}://{host}:{port}" if host else url


class _Host:
    def __init__(self, slots: int):
        self.slots = threading.BoundedSemaphore(slots)
        self.next_start = 0.0  # time.monotonic() before which no request to this host may start


class HostGate:
    """At most ``per_host`` requests at once per host, started at least ``delay`` seconds apart."""

    def __init__(self, per_host: int = 2, delay: float = 0.5):
        self.per_host, self.delay = per_host, delay
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}

    def _host(self, url: str) -> _Host:
        with self._lock:
            return self._hosts.setdefault(host_key(url), _Host(self.per_host))

    @contextlib.contextmanager
    def slot(self, url: str, cancel: threading.Event | None = None) -> Iterator[None]:
        """Hold one of the host's slots from this request's turn to start until it is done."""
        host = self._host(url)
        while not host.slots.acquire(timeout=0.1):
            _check(cancel, url)
        try:
            with self._lock:
                start = max(time.monotonic(), host.next_start)
                host.next_start = start + self.delay
            _sleep(start - time.monotonic(), cancel, url)
            yield
        finally:
            host.slots.release()

    def back_off(self, url: str, seconds: float) -> None:
        """No request to ``url``'s host starts within the next ``seconds`` (its Retry-After)."""
        host = self._host(url)
        with self._lock:
            host.next_start = max(host.next_start, time.monotonic() + seconds)


def polite_get(
    url: str, gate: HostGate, get: Callable[[float], T], *, timeout: float, cancel: threading.Event | None
) -> T:
    """``get(seconds_left)`` inside a host slot, all within ``timeout``; one retry after a Retry-After that fits."""
    started, refused = 0.0, None
    for _ in range(2):
        with gate.slot(url, cancel):
            started = started or time.monotonic()
            left = timeout - (time.monotonic() - started)
            if refused is not None and left <= 0:  # the retry's turn came too late
                raise refused
            try:
                return get(left)
            except FetchError as exc:
                wait = exc.retry_after
                if refused is not None or wait is None or time.monotonic() - started + wait >= timeout:
                    raise
                log.info("%s asks to wait %g s (Retry-After); trying once more then", redact(url), wait)
                gate.back_off(url, wait)
                refused = exc
    raise AssertionError("unreachable")  # pragma: no cover


def map_by_host(
    pool: Executor, fn: Callable[[T], R], items: Sequence[T], url_of: Callable[[T], str]
) -> list[R]:
    """``[fn(x) for x in items]`` on ``pool``, submitted one host at a time in turn; results in ``items`` order."""
    futures = {n: pool.submit(fn, items[n]) for n in round_robin([url_of(x) for x in items])}
    try:
        return [futures[n].result() for n in range(len(items))]
    except BaseException:
        for future in futures.values():
            future.cancel()
        raise


def round_robin(urls: Sequence[str]) -> list[int]:
    """Indices of ``urls``, taking the next one of each host in turn (hosts in order of first appearance)."""
    queues: dict[str, deque[int]] = {}
    for n, url in enumerate(urls):
        queues.setdefault(host_key(url), deque()).append(n)
    order: list[int] = []
    while queues:
        for key in list(queues):
            order.append(queues[key].popleft())
            if not queues[key]:
                del queues[key]
    return order


def _sleep(seconds: float, cancel: threading.Event | None, url: str) -> None:
    if seconds > 0 and (cancel.wait(seconds) if cancel else time.sleep(seconds)):
        _check(cancel, url)


def _check(cancel: threading.Event | None, url: str) -> None:
    if cancel is not None and cancel.is_set():
        raise FetchCancelled(f"fetching {redact(url)} was cancelled", url=redact(url))
