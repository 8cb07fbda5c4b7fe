"""Load the article a command names: a file path, an http(s) URL, or ``-`` for standard input."""

from __future__ import annotations

import re
import sys
from typing import BinaryIO

from ..models import Article
from .article import _SCHEME_RE, _URL_RE, MAX_BYTES, _fail, article_from_bytes, read_file, read_stream

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# A feed's root element, after an optional BOM, processing instructions, comments and doctype.
_FEED_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:(?:<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<(?:rss|feed|rdf:RDF)\b",
    re.DOTALL | re.IGNORECASE,
)


def load_article(
    arg: str,
    *,
    stdin: BinaryIO | None = None,
    timeout: float = 20.0,
    max_bytes: int = MAX_BYTES,
    allow_private: bool = False,
) -> Article:
    """Load the article named by ``arg``: a file path, an http(s) URL, or ``-`` for stdin."""
    if arg == "-":
        data = read_stream(stdin if stdin is not None else sys.stdin.buffer, max_bytes=max_bytes)
        return article_from_bytes(data, source="-")
    if _URL_RE.match(arg):
        from .fetch import fetch_url  # the safe fetcher (httpcore2) is loaded only for a URL

        got = fetch_url(arg, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)
        _refuse_feed(arg, got.data, got.content_type)
        return article_from_bytes(got.data, source=arg, content_type=got.content_type, url=got.url)
    if _SCHEME_RE.match(arg):
        _fail(
            f"{arg} is not supported: only http:// and https:// URLs, file paths and '-' (stdin) can be read"
        )
    data = read_file(arg, max_bytes=max_bytes)
    _refuse_feed(arg, data, None)
    return article_from_bytes(data, source=arg)


def _refuse_feed(arg: str, data: bytes, content_type: str | None) -> None:
    """An RSS or Atom feed is many articles: refuse it with a pointer to ``briefer digest``."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in _FEED_TYPES or _FEED_ROOT.match(data[:4096]):
        _fail(
            f"{arg} is an RSS/Atom feed, not an article; to brief its entries, list it under"
            " [sources] feeds = [...] in a digest config and run `briefer digest CONFIG`"
        )
