"""The ``feeds`` source kind: RSS/Atom feeds, each entry's page fetched like a ``urls`` entry."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

from ..errors import BrieferError
from ..models import NotCovered
from .base import Collection, Context, Jobs, http_urls, register
from .fetch import fetch_url
from .pages import page_job


def feed_jobs(feeds: list[str], ctx: Context, out: Collection) -> Jobs:
    jobs: Jobs = []
    for entries in ctx.pool.map(lambda f: _read_feed(f, ctx), feeds):
        if isinstance(entries, NotCovered):
            out.problems.append(entries)
            continue
        jobs += entries[0]
        out.left_out.update(entries[1])
    return jobs


def _read_feed(feed: str, ctx: Context) -> tuple[Jobs, Counter[str]] | NotCovered:
    try:
        got = fetch_url(feed, timeout=ctx.timeout, allow_private=ctx.allow_private, cancel=ctx.cancel)
    except BrieferError as exc:
        return NotCovered(source=feed, reason=str(exc))
    parsed = feedparser.parse(got.data)
    if not parsed.entries:
        why = parsed.get("bozo_exception") if parsed.get("bozo") else "it has no entries"
        return NotCovered(source=feed, reason=f"not a readable RSS/Atom feed ({' '.join(str(why).split())})")
    jobs: Jobs = []
    left_out = Counter[str]()
    since = ctx.filters.since
    for entry in parsed.entries[: ctx.max_per_feed]:
        link = urljoin(got.url, entry.get("link", ""))
        published = _entry_time(entry)
        if not entry.get("link"):
            left_out["feed entries without a link"] += 1
        elif since and published and published < since:
            left_out["older than the time window"] += 1
        else:
            jobs.append((link, page_job(link, feed, ctx, published)))
    return jobs, left_out


def _entry_time(entry: dict) -> datetime | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*stamp[:6], tzinfo=UTC) if stamp else None


register("feeds", feed_jobs, http_urls)
