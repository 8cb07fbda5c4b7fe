"""GET one page or feed over http(s), with a size cap; network problems become one-line InputErrors."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
import zlib
from typing import NamedTuple, NoReturn

from .article import _HTML_TYPES, _PDF_TODO, _TEXT_TYPES, MAX_BYTES, USER_AGENT, _check_size, _fail, _mime


class Fetched(NamedTuple):
    """The body of an HTTP response, its Content-Type and the final URL after redirects."""

    data: bytes
    content_type: str | None
    url: str


def fetch_url(url: str, *, timeout: float = 20.0, max_bytes: int = MAX_BYTES) -> Fetched:
    """GET ``url`` (following redirects) with a size cap; network problems become InputError."""
    req = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9,*/*;q=0.5"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            final, ctype = resp.geturl(), resp.headers.get("Content-Type")
            _check_content_type(ctype, url)
            _check_length(resp.headers.get("Content-Length"), url, max_bytes)
            data = resp.read(max_bytes + 1)
            data = _decompress(data, resp.headers.get("Content-Encoding"), url, max_bytes)
    except urllib.error.HTTPError as e:
        todo = "check the URL" if e.code < 500 else "the server failed, try again later"
        _fail(f"{url} answered HTTP {e.code} {e.reason}; {todo}")
    except urllib.error.URLError as e:
        _network_fail(url, e.reason, timeout)
    except (OSError, http.client.HTTPException, ValueError) as e:
        _network_fail(url, e, timeout)
    _check_size(data, url, max_bytes)
    return Fetched(data, ctype, final)


def _network_fail(url: str, reason: object, timeout: float) -> NoReturn:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        _fail(f"{url} did not answer within {timeout:g} s (timeout); try again later or raise the timeout")
    _fail(f"{url} cannot be fetched: {reason}; check the address and your network connection")


def _check_content_type(ctype: str | None, url: str) -> None:
    mime = _mime(ctype)
    if not mime or mime in _HTML_TYPES or mime.endswith("+xml") or mime.startswith(_TEXT_TYPES):
        return
    if mime == "application/pdf":
        _fail(f"{url} is a PDF document (application/pdf); {_PDF_TODO}")
    _fail(f"{url} returned {mime}, not text or HTML; pass a URL of an article page")


def _check_length(length: str | None, url: str, max_bytes: int) -> None:
    if length and length.strip().isdigit() and int(length) > max_bytes:
        _fail(
            f"{url} is {int(length):,} bytes, larger than the {max_bytes:,}-byte limit; pass a smaller page"
        )


def _decompress(data: bytes, encoding: str | None, url: str, max_bytes: int) -> bytes:
    enc = (encoding or "").strip().lower()
    if enc in ("", "identity"):
        return data
    if enc not in ("gzip", "x-gzip", "deflate"):
        _fail(f"{url} was sent with unsupported Content-Encoding {enc!r}; download it and pass the file")
    try:
        d = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
        return d.decompress(data, max_bytes + 1)
    except zlib.error as e:
        _fail(f"{url} sent corrupt {enc} data ({e}); try again later")
