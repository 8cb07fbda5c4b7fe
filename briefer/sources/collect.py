"""Gather a digest's articles from every configured source kind.

Every source becomes a list of jobs (one per file, URL or feed entry) that
each load one :class:`~briefer.models.Article` through the same decoding as
``briefer brief``. Jobs run on a thread pool (network-bound); results keep the
configured order, so a digest does not depend on which page answered first.

Nothing here raises for one bad source: a feed that does not parse, a page
that answers 404 or times out, an empty file each become a
:class:`~briefer.models.NotCovered` with a one-line reason, listed at the end
of the digest. Articles left out on purpose (older than the window, filtered
by keyword) are only counted.

Each article gets a *key*: its canonical URL (the page's ``<link
rel="canonical">`` if any, else the fetched URL, normalised and stripped of
tracking parameters) or the ``file:`` URI of a local file.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import BrieferError
from ..models import NotCovered
from .base import KINDS, Collection, Context, Filters, Item, Job
from .config import SourcesConfig

WORKERS = 8


def collect(
    config: SourcesConfig, base: Path, filters: Filters, *, allow_private: bool = False
) -> Collection:
    """Load every article the sources name; never raises for a single bad source.

    An interrupt (Ctrl-C, or SIGTERM, which briefer turns into an exit) sets the
    shared cancel event, so every download in flight stops within a second and
    the pool's threads can be joined.
    """
    out = Collection()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        ctx = Context(base, config.timeout, config.max_per_feed, filters, pool, allow_private)
        try:
            jobs = []
            for key, values in config.kinds():
                jobs += KINDS[key].jobs(values, ctx, out)
            for result in pool.map(lambda job: _attempt(*job), jobs):
                _keep(result, filters, out)
        except BaseException:
            ctx.cancel.set()
            raise
    return out


def _attempt(source: str, job: Job) -> Item | NotCovered:
    try:
        return job()
    except BrieferError as exc:
        return NotCovered(source=source, reason=str(exc))


def _keep(result: Item | NotCovered, filters: Filters, out: Collection) -> None:
    if isinstance(result, NotCovered):
        out.problems.append(result)
        return
    reason = filters.reason_to_skip(result)
    if reason:
        out.left_out[reason] += 1
    else:
        out.items.append(result)
