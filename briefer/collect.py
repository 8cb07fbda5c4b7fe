"""Gather a digest's articles from local files, article URLs and RSS/Atom feeds.

Every source becomes a list of jobs (one per file, URL or feed entry) that
each load one :class:`~briefer.models.Article` through :mod:`briefer.sources`,
so files and pages are decoded and cleaned exactly as ``briefer brief`` does.
Jobs run on a thread pool (network-bound); results keep the configured order,
so a digest does not depend on which page answered first.

Nothing here raises for one bad source: a feed that does not parse, a page
that answers 404 or times out, an empty file each become a :class:`Problem`
with a one-line reason, listed at the end of the digest. Articles left out on
purpose (older than the window, filtered by keyword) are only counted.

Each article gets a *key*: its canonical URL (the page's ``<link
rel="canonical">`` if any, else the fetched URL, normalised and stripped of
tracking parameters) or the ``file:`` URI of a local file.
"""

from __future__ import annotations

import glob
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from .errors import BrieferError
from .models import Article
from .sources import MAX_BYTES, article_from_bytes, fetch_url, read_file

TEXT_SUFFIXES = (".txt", ".md", ".text", ".html", ".htm", ".xhtml")
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|cmpid|at_medium|at_campaign)$", re.IGNORECASE)
_CANONICAL = re.compile(
    rb"""<link\b(?=[^>]*\brel\s*=\s*["']?canonical\b)[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE
)


@dataclass
class Item:
    """One loaded article, where it came from, and when it was published (if known)."""

    article: Article
    key: str
    origin: str
    published: datetime | None = None


@dataclass
class Problem:
    source: str
    reason: str


@dataclass
class Collection:
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Filters:
    """Which loaded articles belong in the digest."""

    since: datetime | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def reason_to_skip(self, item: Item) -> str | None:
        if self.since and item.published and item.published < self.since:
            return "older than the time window"
        text = f"{item.article.title}\n{item.article.text}"
        if self.include and not any(_mentions(text, w) for w in self.include):
            return "matches no include keyword"
        if any(_mentions(text, w) for w in self.exclude):
            return "matches an exclude keyword"
        return None


Job = Callable[[], Item]


@dataclass(frozen=True)
class SourceSpec:
    paths: tuple[Path, ...] = ()
    urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    timeout: float = 20.0
    max_per_feed: int = 30
    workers: int = 8
    base: Path | None = None  # files are named relative to this folder in the digest


def collect(spec: SourceSpec, filters: Filters) -> Collection:
    """Load every article the sources name; never raises for a single bad source."""
    out = Collection()
    jobs: list[tuple[str, Job]] = []
    for pattern in spec.paths:
        jobs += _file_jobs(pattern, spec.base, out)
    jobs += [(url, _page_job(url, url, spec.timeout)) for url in spec.urls]
    with ThreadPoolExecutor(max_workers=spec.workers) as pool:
        for entries in pool.map(lambda f: _read_feed(f, spec, filters), spec.feeds):
            if isinstance(entries, Problem):
                out.problems.append(entries)
                continue
            jobs += entries[0]
            out.left_out.update(entries[1])
        results = pool.map(lambda job: _attempt(*job), jobs)
        for result in results:
            _keep(result, filters, out)
    return out


def _attempt(source: str, job: Job) -> Item | Problem:
    try:
        return job()
    except BrieferError as exc:
        return Problem(source, str(exc))


def _keep(result: Item | Problem, filters: Filters, out: Collection) -> None:
    if isinstance(result, Problem):
        out.problems.append(result)
        return
    reason = filters.reason_to_skip(result)
    if reason:
        out.left_out[reason] += 1
    else:
        out.items.append(result)


# --- local files ---------------------------------------------------------------


def _file_jobs(pattern: Path, base: Path | None, out: Collection) -> list[tuple[str, Job]]:
    paths = expand(pattern)
    if not paths:
        out.problems.append(Problem(_shown(pattern, base), "no article files match this path"))
    return [(_shown(p, base), _file_job(p, _shown(p, base), _shown(pattern, base))) for p in paths]


def _shown(path: Path, base: Path | None) -> str:
    return os.path.relpath(path, base) if base else str(path)


def expand(pattern: Path) -> list[Path]:
    """A folder (its text and HTML files, recursively), a glob, or one file; sorted."""
    if pattern.is_dir():
        found: Iterable[Path] = (p for p in pattern.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES)
    elif glob.has_magic(str(pattern)):
        found = (Path(p) for p in glob.glob(str(pattern), recursive=True))
    else:
        found = [pattern] if pattern.exists() else []
    return sorted(p for p in found if p.is_file() and not p.name.startswith("."))


def _file_job(path: Path, shown: str, origin: str) -> Job:
    def load() -> Item:
        article = article_from_bytes(read_file(path, max_bytes=MAX_BYTES), source=shown)
        mtime = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        return Item(article, path.resolve().as_uri(), origin, _article_date(article) or mtime)

    return load


# --- pages and feeds ---------------------------------------------------------------


def _page_job(url: str, origin: str, timeout: float, published: datetime | None = None) -> Job:
    def load() -> Item:
        got = fetch_url(url, timeout=timeout)
        article = article_from_bytes(got.data, source=url, content_type=got.content_type, url=got.url)
        key = canonical_url(_declared_canonical(got.data, got.url) or got.url)
        return Item(article, key, origin, published or _article_date(article))

    return load


def _read_feed(feed: str, spec: SourceSpec, filters: Filters) -> tuple[list[tuple[str, Job]], Counter[str]] | Problem:
    try:
        got = fetch_url(feed, timeout=spec.timeout)
    except BrieferError as exc:
        return Problem(feed, str(exc))
    parsed = feedparser.parse(got.data)
    if not parsed.entries:
        why = parsed.get("bozo_exception") if parsed.get("bozo") else "it has no entries"
        return Problem(feed, f"not a readable RSS/Atom feed ({' '.join(str(why).split())})")
    jobs, left_out = [], Counter[str]()
    for entry in parsed.entries[: spec.max_per_feed]:
        link = urljoin(got.url, entry.get("link", ""))
        published = _entry_time(entry)
        if not entry.get("link"):
            left_out["feed entries without a link"] += 1
        elif filters.since and published and published < filters.since:
            left_out["older than the time window"] += 1
        else:
            jobs.append((link, _page_job(link, feed, spec.timeout, published)))
    return jobs, left_out


def _entry_time(entry: dict) -> datetime | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*stamp[:6], tzinfo=timezone.utc) if stamp else None


def _article_date(article: Article) -> datetime | None:
    """A page's date (a day): counted as the end of that day, so the window never cuts it short."""
    if not article.date:
        return None
    try:
        day = datetime.fromisoformat(article.date[:10])
    except ValueError:
        return None
    return day.replace(tzinfo=timezone.utc) + timedelta(days=1)


def _declared_canonical(html: bytes, base: str) -> str | None:
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
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None
