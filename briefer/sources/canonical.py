"""Each article's key: its canonical URL, so one page reached by several links is one article.

Normalisation is courlan's (it ships with trafilatura and keeps a maintained
list of tracking parameters, from the AdGuard, ClearURLs and Firefox lists):
lower-case scheme and host, Unicode host names for punycode, no default port,
``//`` and leading ``/..`` collapsed, path characters percent-encoded one way.
Three things are briefer's own, and pinned by tests:

* The query is rebuilt here, keeping blank values and sorted by name, and a
  parameter is dropped only when courlan's tracker pattern matches a whole
  token of its name (``utm_source``, ``fbclid``, ``at_medium``, ``ref``). The
  pattern is a prefix search, so on its own it also drops ``gallery`` and
  ``game`` (``ga``), ``global`` (``gl``) or ``refresh`` (``ref``); two
  articles differing only in such a parameter would share a key and one of
  them would vanish from the digest.
* No fragment ever (courlan keeps non-tracking fragments) and no trailing
  slash on a path, also when there is a query (courlan only strips it
  without one); an empty path is ``/``.
* ``cmpid``, which courlan does not know, is a tracker too.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_EXTRA_TRACKERS = re.compile(r"^(cmpid)$", re.IGNORECASE)
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
    from courlan import normalize_url  # imported here: a digest of local files needs none of courlan

    raw = urlsplit(url.strip())
    try:
        parts = urlsplit(normalize_url(raw._replace(query="", fragment="")))
    except ValueError:  # a port that is not a number, a broken IPv6 literal: keep the URL as it is
        parts = raw
    query = sorted((k, v) for k, v in parse_qsl(raw.query, keep_blank_values=True) if not is_tracker(k))
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, urlencode(query), ""))


def is_tracker(name: str) -> bool:
    """Does courlan's pattern match whole tokens of ``name`` (``_``, ``-`` and ``.`` separate tokens)?"""
    return bool(_EXTRA_TRACKERS.match(name) or _whole_tokens().search(name.lower()))


@cache
def _whole_tokens() -> re.Pattern[str]:
    """courlan's pattern, but a match must end where a token ends (or end in a separator, as ``utm_`` does);
    the lookaround makes the alternation backtrack, so ``affiliate`` is found past ``aff``."""
    from courlan.clean import TRACKERS_RE

    return re.compile(rf"(?:{TRACKERS_RE.pattern})(?:(?<=[_.-])|(?=$|[_.-]))")
