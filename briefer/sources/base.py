"""What every source kind shares: a loaded item, the collection, filters, and the kind registry.

A source kind is one module that registers itself under its key in a digest
config's ``[sources]`` table (``paths``, ``urls``, ``feeds``, ...). It checks
the configured values and turns them into *jobs*: one callable per article
to load. Adding a kind is one new module and one import line in
:mod:`briefer.sources.kinds`.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..models import Article, NotCovered
from ..state.store import Store
from .polite import HostGate


@dataclass
class Item:
    """One loaded article, where it came from, and when it was published (if known)."""

    article: Article
    key: str
    origin: str
    published: datetime | None = None
    tags: frozenset[str] = frozenset()  # categories: OPML folders and ``category``, feed entry categories


@dataclass
class Collection:
    items: list[Item] = field(default_factory=list)
    problems: list[NotCovered] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)
    http: Counter[str] = field(default_factory=Counter)  # "feeds fetched", "pages not modified", ... (logged)


def tag(name: str) -> str:
    """A category as a tag: whitespace folded, case ignored ("Middle  East" and "middle east" are one)."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Filters:
    """Which loaded articles belong in the digest.

    A term ``tag:energy`` matches only items tagged ``energy`` (an OPML folder
    or ``category``, or a feed entry's category); a plain term matches a tag of
    that name or the word in the title or text. Tags compare with case and
    whitespace folded; words match whole, in any case.
    """

    since: datetime | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def reason_to_skip(self, item: Item) -> str | None:
        if self.since and item.published and item.published < self.since:
            return "older than the time window"
        text = f"{item.article.title}\n{item.article.text}"
        if self.include and not any(_matches(item, text, w) for w in self.include):
            return "matches no include keyword"
        if any(_matches(item, text, w) for w in self.exclude):
            return "matches an exclude keyword"
        return None


def _matches(item: Item, text: str, term: str) -> bool:
    if term[:4].lower() == "tag:":
        return tag(term[4:]) in item.tags
    return tag(term) in item.tags or mentions(text, term)


def mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


Job = Callable[[], Item]
Jobs = list[tuple[str, Job]]  # (source shown in the digest, how to load it)


@dataclass(frozen=True)
class Context:
    """What a source kind may use while listing its jobs."""

    base: Path  # the config file's folder: relative paths start here
    timeout: float
    max_per_feed: int
    filters: Filters
    pool: Executor  # for kinds that must fetch before they know their jobs (feeds)
    allow_private: bool = False  # fetch intranet addresses (opt-in; refused by default)
    cancel: threading.Event = field(
        default_factory=threading.Event
    )  # set: every download stops within a second
    store: Store | None = None  # keeps ETag/Last-Modified per URL; None: every GET is unconditional
    gate: HostGate = field(default_factory=HostGate)  # per-host concurrency, delay and Retry-After
    entry_text_min: int = 500  # a feed entry's own full text is used from this many characters on
    http: Counter[str] = field(default_factory=Counter)  # what the downloads came to (see count)

    def count(self, what: str) -> None:
        """Tally one outcome ("feeds not modified", ...) from any worker thread."""
        with _TALLY:
            self.http[what] += 1


_TALLY = threading.Lock()


@dataclass(frozen=True)
class SourceKind:
    key: str  # the config key
    check: Callable[[list[str]], list[str]]  # validates values; raises ValueError with a user-facing message
    jobs: Callable[[list[str], Context, Collection], Jobs]


KINDS: dict[str, SourceKind] = {}


def register(
    key: str,
    jobs: Callable[[list[str], Context, Collection], Jobs],
    check: Callable[[list[str]], list[str]] | None = None,
) -> None:
    KINDS[key] = SourceKind(key, check or (lambda values: values), jobs)


def http_urls(values: list[str]) -> list[str]:
    for value in values:
        if not re.match(r"^https?://\S+$", value, re.IGNORECASE):
            raise ValueError(f"{value!r} is not an http(s) URL")
    return values
