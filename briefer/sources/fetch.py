"""GET one page or feed for briefer: the safe fetcher plus what an article page must look like.

Every URL, redirect and feed entry goes through :func:`briefer.sources.netfetch.fetch`:
http(s) only, private and internal addresses refused unless the user opts in,
a total deadline and a size cap enforced while streaming. Here the answer is
checked for being text or HTML; every problem is one :class:`InputError` line.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from .._version import __version__
from .article import _HTML_TYPES, _PDF_TODO, _TEXT_TYPES, MAX_BYTES, _fail, _mime
from .netfetch import FetchPolicy, fetch

USER_AGENT = f"briefer/{__version__}"
ACCEPT = "text/html,text/plain;q=0.9,*/*;q=0.5"


class Fetched(NamedTuple):
    """The body of an HTTP response, its Content-Type and the final URL after redirects."""

    data: bytes
    content_type: str | None
    url: str


def fetch_url(
    url: str,
    *,
    timeout: float = 20.0,
    max_bytes: int = MAX_BYTES,
    allow_private: bool = False,
    cancel: threading.Event | None = None,
) -> Fetched:
    """GET ``url`` within ``timeout`` seconds in all; refuse anything that is not text or HTML."""
    policy = FetchPolicy(
        allow_private=allow_private, deadline=timeout, max_bytes=max_bytes, user_agent=USER_AGENT
    )
    got = fetch(url, policy, cancel=cancel, headers={"Accept": ACCEPT})
    _check_content_type(got.content_type, got.url)
    return Fetched(got.body, got.content_type, got.url)


def _check_content_type(ctype: str | None, url: str) -> None:
    mime = _mime(ctype)
    if not mime or mime in _HTML_TYPES or mime.endswith("+xml") or mime.startswith(_TEXT_TYPES):
        return
    if mime == "application/pdf":
        _fail(f"{url} is a PDF document (application/pdf); {_PDF_TODO}")
    _fail(f"{url} returned {mime}, not text or HTML; pass a URL of an article page")
