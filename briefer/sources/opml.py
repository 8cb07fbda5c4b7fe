"""The ``opml`` source kind: a feed reader's subscription list, each feed read as under ``feeds``.

``opml = ["subscriptions.opml"]`` names OPML files (relative to the config
file) or http(s) URLs of them, as exported by Miniflux, FreshRSS, NetNewsWire
and most readers. What is taken from them:

* Every ``outline`` with an ``xmlUrl`` is a feed, at any depth. A feed listed
  twice (in two folders, or two files) is read once.
* Categories become tags on every article of the feed: the ``text`` (or
  ``title``) of each enclosing folder outline, and each segment of the OPML
  2.0 ``category`` attribute (comma-separated, slash-delimited paths:
  ``"/Energy/Oil,markets"`` gives ``energy``, ``oil`` and ``markets``), on
  the feed's own outline or on a folder around it. Tags fold case and
  whitespace; ``include``/``exclude`` match them (``"tag:energy"``, or a
  plain ``"energy"`` that also matches the word in the text).
* An outline with only an ``htmlUrl`` is a website's home page, not an
  article and not a feed: it is not fetched (an index page would be briefed as
  if it were a story) and only counted as left out.

OPML is XML written by other programs: a file declaring entities is refused
(no entity expansion at all), and the size cap of every other input holds.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from ..errors import BrieferError
from ..models import NotCovered
from .article import MAX_BYTES, _fail, read_file
from .base import Collection, Context, Jobs, register, tag
from .feeds import read_feeds
from .fetch import fetch_url
from .polite import polite_get

NO_FEED = "OPML outlines without a feed URL (htmlUrl only)"


def opml_jobs(values: list[str], ctx: Context, out: Collection) -> Jobs:
    feeds: dict[str, set[str]] = {}  # URL -> tags, in order of first appearance
    for value in values:
        try:
            found = subscriptions(_read(value, ctx), value, out.left_out)
        except BrieferError as exc:
            out.problems.append(NotCovered(source=value, reason=str(exc)))
            continue
        for url, tags in found:
            if re.match(r"^https?://\S+$", url, re.IGNORECASE):
                feeds.setdefault(url, set()).update(tags)
            else:
                out.problems.append(NotCovered(source=f"{value}: {url}", reason="not an http(s) feed URL"))
    return read_feeds([(url, frozenset(tags)) for url, tags in feeds.items()], ctx, out)


def _read(value: str, ctx: Context) -> bytes:
    if not re.match(r"^https?://", value, re.IGNORECASE):
        return read_file(ctx.base / value, max_bytes=MAX_BYTES)

    def get(seconds: float) -> bytes:
        kw = {"allow_private": ctx.allow_private, "cancel": ctx.cancel, "accept": "text/x-opml,*/*;q=0.5"}
        return fetch_url(value, timeout=seconds, **kw).data

    return polite_get(value, ctx.gate, get, timeout=ctx.timeout, cancel=ctx.cancel)


def subscriptions(data: bytes, shown: str, left_out: Counter[str]) -> list[tuple[str, set[str]]]:
    """``(xmlUrl, tags)`` of every feed outline in the OPML document ``data``, in document order."""
    if b"<!ENTITY" in data:
        _fail(f"{shown} declares XML entities; an OPML file never needs them, so it is not read")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        _fail(f"{shown} is not a readable OPML file ({exc})")
    body = root.find("body")
    if root.tag != "opml" or body is None:
        _fail(f"{shown} is not an OPML file (no <opml><body>); export the subscriptions as OPML")
    found: list[tuple[str, set[str]]] = []
    _walk(body, set(), found, left_out)
    return found


def _walk(
    parent: ET.Element, tags: set[str], found: list[tuple[str, set[str]]], left_out: Counter[str]
) -> None:
    """Depth first: a feed outline gets its folders' names and every category on the way down."""
    for outline in parent.findall("outline"):
        attrs = {k.lower(): v for k, v in outline.attrib.items()}  # xmlUrl, xmlurl and XMLURL are all seen
        mine = tags | categories(attrs.get("category", ""))
        url = (attrs.get("xmlurl") or "").strip()
        if url:
            found.append((url, mine))
        elif attrs.get("htmlurl") and outline.find("outline") is None:
            left_out[NO_FEED] += 1
        name = tag(attrs.get("text") or attrs.get("title") or "")
        if outline.find("outline") is not None:
            _walk(outline, mine | ({name} if name and not url else set()), found, left_out)


def categories(value: str) -> set[str]:
    """``"/Energy/Oil, markets"`` -> ``{"energy", "oil", "markets"}``: every segment of every path."""
    return {tag(part) for path in value.split(",") for part in path.split("/") if part.strip()}


register("opml", opml_jobs)
