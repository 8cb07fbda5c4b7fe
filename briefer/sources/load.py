"""Load the article a command names: a file path, an http(s) URL, or ``-`` for standard input."""

from __future__ import annotations

import sys
from typing import BinaryIO

from ..models import Article
from .article import _SCHEME_RE, _URL_RE, MAX_BYTES, _fail, article_from_bytes, read_file, read_stream
from .fetch import fetch_url


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
        got = fetch_url(arg, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)
        return article_from_bytes(got.data, source=arg, content_type=got.content_type, url=got.url)
    if _SCHEME_RE.match(arg):
        _fail(
            f"{arg} is not supported: only http:// and https:// URLs, file paths and '-' (stdin) can be read"
        )
    return article_from_bytes(read_file(arg, max_bytes=max_bytes), source=arg)
