"""Each article's key: its canonical URL, so one page reached by several links is one article."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|cmpid|at_medium|at_campaign)$", re.IGNORECASE
)
_CANONICAL = re.compile(
    rb"""<link\b(?=[^>]*\brel\s*=\s*["']?canonical\b)[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE
)


def declared_canonical(html: bytes, base: str) -> str | None:
    """The page's ``<link rel="canonical">``, if it declares an http(s) one."""
    match = _CANONICAL.search(html[:65536])
    if not match:
        return None
    href = urljoin(base, match.group(1).decode("ascii", "ignore"))
    return href if href.startswith(("http://", "https://")) else None


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, fragment or tracking parameters; sorted query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{parts.port}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    )
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((scheme, host, path, urlencode(query), ""))
