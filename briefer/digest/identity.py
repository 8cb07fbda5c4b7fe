"""Which collected items are one article, and the key under which an article's brief is stored.

Copies collapse in two steps: one article per canonical URL, then one per
:func:`~briefer.digest.cluster.content_hash` (text with whitespace folded and
case ignored), keeping every address it was found at. The brief key is the
sha256 of the exact text and title plus everything that shapes extraction
(:meth:`briefer.runtime.Runtime.fingerprint`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..runtime import Runtime
from ..sources.base import Item
from .assembled import PackedBrief
from .cluster import content_hash


@dataclass
class Unique:
    """One article after copies collapsed: the item read, the other addresses of its copies, its brief (packed)."""

    item: Item
    hash: str
    brief_key: str
    addresses: list[str] = field(default_factory=list)
    packed: PackedBrief | None = None  # filled from the store or by the pipeline

    @property
    def address(self) -> str:
        return address(self.item)


def unique_articles(items: list[Item], runtime: Runtime) -> list[Unique]:
    """One article per canonical URL, then per content hash; sorted by key so order never depends on timing."""
    by_key: dict[str, list[Item]] = {}
    for item in items:
        by_key.setdefault(item.key, []).append(item)
    by_hash: dict[str, Unique] = {}
    for key in sorted(by_key):
        first, *copies = by_key[key]
        digest = content_hash(first.article.text)
        if digest not in by_hash:
            by_hash[digest] = Unique(
                first, digest, runtime.brief_key(first.article.text, first.article.title)
            )
        unique = by_hash[digest]
        for item in (first, *copies):
            if address(item) not in unique.addresses:
                unique.addresses.append(address(item))
    return list(by_hash.values())


def address(item: Item) -> str:
    """A page's canonical URL, a file's path as configured."""
    return item.key if item.key.startswith(("http://", "https://")) else item.article.source
