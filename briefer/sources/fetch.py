"""GET one page or feed for briefer: the safe fetcher plus what an article page must look like.

Every URL, redirect and feed entry goes through :func:`briefer.sources.netfetch.fetch`:
http(s) only, private and internal addresses refused unless the user opts in,
a total deadline and a size cap enforced while streaming. Here the answer is
checked for being text or HTML; every problem is one :class:`InputError` line.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from .article import _HTML_TYPES, _PDF_TODO, _TEXT_TYPES, MAX_BYTES, _fail, _mime
from .netfetch import FetchPolicy, fetch

ACCEPT = "text/html,text/plain;q=0.9,*/*;q=0.5"
FEED_ACCEPT = "application/atom+xml,application/rss+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"


class Fetched(NamedTuple):
    """The body of an HTTP response, its Content-Type and the final URL after redirects.

    ``status`` is 304 (and ``data`` empty) when a conditional request found
    the resource unchanged; ``etag`` and ``last_modified`` are the validators
    to send next time (``If-None-Match`` / ``If-Modified-Since``).
    """

    data: bytes
    content_type: str | None
    url: str
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None


def fetch_url(
    url: str,
    *,
    timeout: float = 20.0,
    max_bytes: int = MAX_BYTES,
    allow_private: bool = False,
    cancel: threading.Event | None = None,
    headers: dict[str, str] | None = None,
    accept: str = ACCEPT,
) -> Fetched:
    """GET ``url`` within ``timeout`` seconds in all; refuse anything that is not text or HTML."""
    policy = FetchPolicy(allow_private=allow_private, deadline=timeout, max_bytes=max_bytes)
    got = fetch(url, policy, cancel=cancel, headers={"Accept": accept, **(headers or {})})
    if got.status == 304:
        return Fetched(b"", got.content_type, got.url, 304)
    _check_content_type(got.content_type, got.url)
    validators = got.headers.get("etag"), got.headers.get("last-modified")
    return Fetched(got.body, got.content_type, got.url, got.status, *validators)


def _check_content_type(ctype: str | None, url: str) -> None:
    mime = _mime(ctype)
    if not mime or mime in _HTML_TYPES or mime.endswith("+xml") or mime.startswith(_TEXT_TYPES):
        return
    if mime == "application/pdf":
        _fail(f"{url} is a PDF document (application/pdf); {_PDF_TODO}")
    _fail(f"{url} returned {mime}, not text or HTML; pass a URL of an article page")
