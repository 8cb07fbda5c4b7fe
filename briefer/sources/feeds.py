"""The ``feeds`` source kind: RSS/Atom feeds, each entry read from its own full text or its page.

A feed is fetched conditionally (:mod:`briefer.sources.conditional`): a 304
means nothing changed, so the entries are those of the feed as stored last
time (not none: a same-day re-run must see the same articles). An entry that
carries its article (``content:encoded`` in RSS, ``content`` in Atom) with at
least ``entry_text_min`` characters of text once extracted the way a page is
(:func:`~briefer.sources.article.article_from_bytes` as ``text/html``) is
used as is and its page is not fetched; a shorter one is a teaser, so the page
is fetched like a ``urls`` entry. An entry's categories become the item's
tags, next to the tags its feed was given (OPML folders, see
:mod:`briefer.sources.opml`).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urljoin

from ..errors import BrieferError
from ..models import Article, NotCovered
from ..state.store import HttpRecord
from .article import article_from_bytes, make_title
from .base import Collection, Context, Item, Job, Jobs, http_urls, register, tag
from .canonical import canonical_url
from .conditional import conditional_get, remember
from .fetch import FEED_ACCEPT
from .files import article_date
from .pages import page_job
from .polite import map_by_host

FEED_BODY_MAX = 5_000_000  # a larger feed is not kept for 304s (it is fetched in full every time)
Feed = tuple[str, frozenset[str]]  # a feed's URL and the tags its entries get
_LINKS = re.compile(r"""<(?:\w+:)?link\b[^>]*?>\s*([^<\s]+)\s*<|\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_WEB = re.compile(r"https?://", re.IGNORECASE)
_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)/*")  # what feedparser does to a link before joining it


def feed_jobs(feeds: list[str], ctx: Context, out: Collection) -> Jobs:
    return read_feeds([(f, frozenset()) for f in feeds], ctx, out)


def read_feeds(feeds: list[Feed], ctx: Context, out: Collection) -> Jobs:
    """One job per entry of every feed (in feed order); unreadable feeds become problems."""
    jobs: Jobs = []
    for result in map_by_host(ctx.pool, lambda f: _read_feed(*f, ctx), feeds, lambda f: f[0]):
        if isinstance(result, NotCovered):
            out.problems.append(result)
            continue
        jobs += result[0]
        out.left_out.update(result[1])
    return jobs


def _read_feed(feed: str, tags: frozenset[str], ctx: Context) -> tuple[Jobs, Counter[str]] | NotCovered:
    try:
        got, kept = conditional_get(feed, ctx, _restore, accept=FEED_ACCEPT)
    except BrieferError as exc:
        return NotCovered(source=feed, reason=str(exc))
    data, base = kept if kept is not None else (got.data, got.url)
    ctx.count("feeds not modified" if kept is not None else "feeds fetched")
    import feedparser  # imported here: about 1.3 MB that a digest without feeds does not need

    parsed = feedparser.parse(data)
    if not parsed.entries:
        why = parsed.get("bozo_exception") if parsed.get("bozo") else "it has no entries"
        return NotCovered(source=feed, reason=f"not a readable RSS/Atom feed ({' '.join(str(why).split())})")
    if kept is None and len(data) <= FEED_BODY_MAX:
        remember(feed, ctx, got, body=data)
    elif kept is None and ctx.store:
        ctx.store.forget_http_record(feed)
    entries = _as_given(parsed.entries[: ctx.max_per_feed], data, base)
    jobs, left_out = _entry_jobs(entries, base, feed, tags, ctx)
    if len(parsed.entries) > ctx.max_per_feed:
        left_out[f"feed entries beyond max_per_feed ({ctx.max_per_feed})"] += (
            len(parsed.entries) - ctx.max_per_feed
        )
    return jobs, left_out


def _as_given(entries: list, data: bytes, base: str) -> list:
    """The entries with their links as the feed spells them: feedparser folds the slashes after ``://``.

    ``file:///etc/passwd`` comes out of feedparser as ``file://etc/passwd``
    (a fix meant for ``http:////host``); a link that is not http(s) is looked
    up in the feed's own text, so it is shown (and refused) as written.
    """
    odd = {id(e) for e in entries if "://" in (e.get("link") or "") and not _WEB.match(e["link"])}
    if not odd:
        return entries
    given: dict[str, str] = {}
    for groups in _LINKS.findall(data.decode("utf-8", "replace")):
        raw = html.unescape(next((g for g in groups if g), "")).strip()
        given.setdefault(urljoin(base, _SLASHES.sub(r"\1", raw)), raw)
    return [{**e, "link": given.get(e["link"], e["link"])} if id(e) in odd else e for e in entries]


def _restore(record: HttpRecord) -> tuple[bytes, str] | None:
    return (record.body, record.final_url) if record.body is not None else None


def _entry_jobs(
    entries: list, base: str, feed: str, tags: frozenset[str], ctx: Context
) -> tuple[Jobs, Counter[str]]:
    jobs: Jobs = []
    left_out = Counter[str]()
    since = ctx.filters.since
    for entry in entries:
        link = urljoin(base, entry.get("link", ""))
        published = _entry_time(entry)
        if not entry.get("link"):
            left_out["feed entries without a link"] += 1
        elif since and published and published < since:
            left_out["older than the time window"] += 1
        else:
            categories = {tag(t["term"]) for t in entry.get("tags", []) if (t.get("term") or "").strip()}
            jobs.append((link, _entry_job(entry, link, feed, ctx, published, tags | categories)))
    return jobs, left_out


def _entry_job(
    entry: dict, link: str, feed: str, ctx: Context, published: datetime | None, tags: frozenset[str]
) -> Job:
    """The entry's own text when it is a whole article, else its page (fetched when the job runs)."""
    article = entry_article(entry, link, published, ctx.entry_text_min)
    if article is None:
        return page_job(link, feed, ctx, published, tags)
    ctx.count("entries with full text")
    item = Item(article, canonical_url(link), feed, published or article_date(article), tags)
    return lambda: item


def entry_article(entry: dict, link: str, published: datetime | None, minimum: int) -> Article | None:
    """The longest ``content`` of ``entry`` as an Article, if its text has at least ``minimum`` characters."""
    contents = [c for c in entry.get("content", []) if (c.get("value") or "").strip()]
    if not contents:
        return None
    best = max(contents, key=lambda c: len(c["value"]))
    html = "html" in (best.get("type") or "text/html")
    ctype = "text/html; charset=utf-8" if html else "text/plain; charset=utf-8"
    try:
        article = article_from_bytes(best["value"].encode(), source=link, content_type=ctype, url=link)
    except BrieferError:  # nothing extractable: the page may have more
        return None
    if len(article.text.strip()) < minimum:
        return None
    title = " ".join(re.sub(r"<[^>]+>", " ", entry.get("title") or "").split()) or article.title
    date = published.date().isoformat() if published else article.date
    return article.model_copy(update={"title": make_title(title), "date": date})


def _entry_time(entry: dict) -> datetime | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*stamp[:6], tzinfo=UTC) if stamp else None


register("feeds", feed_jobs, http_urls)
