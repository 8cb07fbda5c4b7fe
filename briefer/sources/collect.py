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

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path

from ..errors import BrieferError
from ..models import NotCovered
from ..state.store import Store
from .base import KINDS, Collection, Context, Filters, Item, Job
from .conditional import prune
from .config import SourcesConfig
from .polite import HostGate, map_by_host

WORKERS = 8
log = logging.getLogger("briefer.sources")


def collect(
    config: SourcesConfig,
    base: Path,
    filters: Filters,
    *,
    allow_private: bool = False,
    store: Store | None = None,
) -> Collection:
    """Load every article the sources name; never raises for a single bad source.

    With a ``store``, feeds and pages are fetched conditionally (their
    validators are kept there). Jobs go to the pool one host at a time in
    turn, so a site with many entries does not hold every worker.

    An interrupt (Ctrl-C, or SIGTERM, which briefer turns into an exit) sets the
    shared cancel event, so every download in flight stops within a second and
    the pool's threads can be joined.
    """
    out = Collection()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        ctx = _context(config, base, filters, pool, allow_private, store)
        try:
            prune(ctx)
            jobs = []
            for key, values in config.kinds():
                jobs += KINDS[key].jobs(values, ctx, out)
            for result in map_by_host(pool, lambda job: _attempt(*job), jobs, lambda job: job[0]):
                _keep(result, filters, out)
        except BaseException:
            ctx.cancel.set()
            raise
    out.http = ctx.http
    if out.http:
        log.info("downloads: %s", ", ".join(f"{n} {what}" for what, n in sorted(out.http.items())))
    return out


def _context(
    config: SourcesConfig,
    base: Path,
    filters: Filters,
    pool: Executor,
    allow_private: bool,
    store: Store | None,
) -> Context:
    gate = HostGate(config.host_concurrency, config.host_delay)  # one per run: every kind shares the hosts
    return Context(
        base,
        config.timeout,
        config.max_per_feed,
        filters,
        pool,
        allow_private,
        store=store,
        gate=gate,
        entry_text_min=config.entry_text_min,
    )


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
