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


@dataclass
class Item:
    """One loaded article, where it came from, and when it was published (if known)."""

    article: Article
    key: str
    origin: str
    published: datetime | None = None


@dataclass
class Collection:
    items: list[Item] = field(default_factory=list)
    problems: list[NotCovered] = field(default_factory=list)
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


def _mentions(text: str, word: str) -> bool:
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
