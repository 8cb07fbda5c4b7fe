"""Conditional GET for a digest's feeds and pages: ask only for what changed since the last run.

A digest that runs every morning over 200 feeds would otherwise download
every feed and every page again. Each answer's ``ETag`` and ``Last-Modified``
are kept in the state (:class:`~briefer.state.store.HttpRecord`, keyed by the
URL as requested) together with what a later ``304 Not Modified`` stands for:
a feed's raw bytes (parsed again, so a same-day re-run sees the same entries
and writes the same digest) or a page's decoded article and canonical URL (so
a re-run neither downloads nor extracts it). A record that can no longer be
used (say, an older Article model) is not sent: the GET is unconditional and
the record replaced. Without a store every GET is unconditional. A record
that has answered no request for :data:`KEEP_UNUSED` is pruned (a page
that left every feed is not asked for again).

Every GET here goes through the per-host gate (:mod:`briefer.sources.polite`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from ..state.store import HttpRecord
from .base import Context
from .fetch import ACCEPT, Fetched, fetch_url
from .netfetch import FetchError, redact
from .polite import polite_get

T = TypeVar("T")
KEEP_UNUSED = timedelta(days=30)  # longer than any sensible digest window


def conditional_get(
    url: str, ctx: Context, restore: Callable[[HttpRecord], T | None], *, accept: str = ACCEPT
) -> tuple[Fetched, T | None]:
    """GET ``url``; on 304 also return what ``restore`` made of the stored record (else ``None``).

    The request is conditional only when a record exists and ``restore``
    accepts it, so a 304 always has something to stand for.
    """
    record = ctx.store.http_record(url) if ctx.store else None
    kept = restore(record) if record else None
    headers = validator_headers(record) if record and kept is not None else {}

    def get(seconds: float) -> Fetched:
        return fetch_url(
            url,
            timeout=seconds,
            allow_private=ctx.allow_private,
            cancel=ctx.cancel,
            headers=headers,
            accept=accept,
        )

    got = polite_get(url, ctx.gate, get, timeout=ctx.timeout, cancel=ctx.cancel)
    if got.status != 304:
        return got, None
    if kept is None:
        shown = redact(url)
        raise FetchError(
            f"{shown} answered 304 Not Modified to a request that was not conditional", url=shown
        )
    if ctx.store:
        ctx.store.touch_http_record(url)
    return got, kept


def validator_headers(record: HttpRecord) -> dict[str, str]:
    headers = {}
    if record.etag:
        headers["If-None-Match"] = record.etag
    if record.last_modified:
        headers["If-Modified-Since"] = record.last_modified
    return headers


def remember(
    url: str,
    ctx: Context,
    got: Fetched,
    *,
    body: bytes | None = None,
    article: str | None = None,
    key: str | None = None,
) -> None:
    """Keep ``got``'s validators and what a 304 will stand for; forget the URL when it sent none."""
    if ctx.store is None:
        return
    if not (got.etag or got.last_modified):
        ctx.store.forget_http_record(url)
        return
    record = HttpRecord(got.etag, got.last_modified, got.url, got.content_type, body, article, key)
    ctx.store.put_http_record(url, record)


def prune(ctx: Context) -> None:
    """Forget validators no request has used for :data:`KEEP_UNUSED`."""
    if ctx.store is not None:
        ctx.store.prune_http_records(KEEP_UNUSED)
