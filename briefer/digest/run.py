"""A daily digest run: many sources in, one cited Markdown (and JSON) file per day out.

A run goes one way:

1. :func:`briefer.sources.collect.collect` loads every article the config
   names (files, URLs, feed entries), keeps those inside the time window that
   pass the keyword filters, and lists each source that failed.
2. Copies collapse (:mod:`briefer.digest.identity`).
3. Each article is briefed by the usual pipeline on a thread pool, unless a
   brief for the same text, title and extraction settings is already stored.
   Every brief is stored the moment it is done, so an interrupted run resumes
   where it stopped; behind that, the LLM response cache makes a repeat run
   of the same day call no LLM at all. One article failing becomes a line in
   the digest's "Not covered" section, never a failed digest.
4. :mod:`briefer.digest.assemble` groups reports into stories, merges facts
   across reports and numbers the citations digest-wide.
5. The day's files are written as streams, all or none
   (:func:`write_digest`); then they are sent to the ``[deliver]``
   destinations (:mod:`briefer.digest.deliver`).

A run never holds every brief: each is packed the moment it is done or read
(:mod:`briefer.digest.assembled`) and unpacked by the step that needs it, so
memory grows with the articles' texts, not with their briefs.

Nothing run-specific (times, call counts) is rendered, so the same inputs give
byte-identical files. Runs and articles seen are recorded in the SQLite state
(:mod:`briefer.state.store`), one connection per run shared with the response
cache; a per-config lock keeps two runs of one config apart.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from ..config import Settings
from ..errors import BrieferError, NothingBriefed
from ..llm.base import Backend
from ..llm.cache import Tally
from ..models import Brief, NotCovered
from ..output.files import write_all_atomic
from ..runtime import Runtime
from ..sources.article import require_article_text
from ..sources.base import Collection
from ..sources.collect import collect
from ..state.store import Store
from .assemble import assemble_digest, digest_markdown_chunks, probe_digest_template
from .assembled import AssembledDigest, PackedBrief
from .config import DigestConfig
from .deliver import Outcome, deliver
from .identity import Unique, unique_articles
from .keep import carry_over, earlier_today, mark_kept
from .lock import config_lock
from .model import Digest
from .progress import LogProgress, Progress

log = logging.getLogger("briefer.digest")

# (store, *, lazy) -> the run's backend; Runtime.backend unless a test supplies one.
BackendOpener = Callable[..., ContextManager[Backend]]


@dataclass
class RunResult:
    markdown_path: Path
    json_path: Path
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    not_covered: list[NotCovered] = field(default_factory=list)
    deliveries: list[Outcome] = field(default_factory=list)  # to the [deliver] destinations, after writing

    @cached_property
    def digest(self) -> Digest:
        """The digest as written, read back from ``DAY.json`` on first use (a run keeps no whole Digest)."""
        return Digest.model_validate_json(self.json_path.read_text(encoding="utf-8"))


@dataclass
class _Run:
    """What one run carries from step to step."""

    config: DigestConfig
    runtime: Runtime
    store: Store
    open_backend: BackendOpener
    progress: Progress


def run_digest(
    config: DigestConfig,
    runtime: Runtime | Settings,
    *,
    now: datetime | None = None,
    open_backend: BackendOpener | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Collect, brief, cluster, render and write today's digest of ``config``.

    Raises :class:`BrieferError` only for problems of the whole run (a held
    lock, a bad template, an unwritable output folder); a bad source or
    article is reported inside the digest.
    """
    if isinstance(runtime, Settings):
        runtime = Runtime.resolve(runtime, concurrency=config.concurrency)
    probe_digest_template(config.template)  # a template over its limits is refused before any model call
    now = now or datetime.now(UTC)
    day = now.astimezone(config.zone()).date().isoformat()
    # Keyed by the output folder: a copy of the config writing to the same folder waits its turn too.
    with config_lock(str(config.output_dir.resolve()), runtime.settings), runtime.open_store() as store:
        run = _Run(config, runtime, store, open_backend or runtime.backend, progress or LogProgress())
        run_id = store.start_run(config.key, day)
        try:
            result = _collect_and_write(run, now, day)
            result.deliveries = deliver(config, store, day, run_id=run_id)  # the day's files are written
            result.status = (
                "partial" if any(o.status == "failed" for o in result.deliveries) else result.status
            )
        except KeyboardInterrupt:
            store.finish_run(run_id, "interrupted", {})
            raise
        except BaseException:
            store.finish_run(run_id, "failed", {})
            raise
        store.finish_run(run_id, result.status, result.counts)
    return result


def _collect_and_write(run: _Run, now: datetime, day: str) -> RunResult:
    config = run.config
    collection = collect(
        config.sources,
        config.base,
        config.filters(now),
        allow_private=config.allow_private_hosts,
        store=run.store,  # ETag/Last-Modified per URL: unchanged feeds and pages are not downloaded again
    )
    articles = unique_articles(collection.items, run.runtime)
    new = sum(
        fresh
        for _, fresh in run.store.see_articles((u.item.key, u.hash, u.item.article.title) for u in articles)
    )
    problems, counts = brief_all(articles, run)
    briefed, carried = _with_earlier_work(
        config, day, [u for u in articles if u.packed], collection, problems
    )
    problems = mark_kept(problems, carried)
    collection.problems = mark_kept(collection.problems, carried)
    digest = assemble_digest(config.name, day, briefed, collection, problems)
    md_path, json_path = write_digest(digest, config, now)
    counts.update(articles=len(articles), new=new, failed=len(problems), stories=len(digest.stories))
    status = "partial" if digest.not_covered else "ok"
    log.info("digest %s: %s (%s)", md_path, _summary(len(digest.stories), len(digest.articles)), status)
    return RunResult(md_path, json_path, status, counts, digest.not_covered)


def _summary(stories: int, covered: int) -> str:
    """The run's count, e.g. "2 stories from 3 articles": only the articles the digest covers."""
    return f"{stories} stor{'y' if stories == 1 else 'ies'} from {covered} article{'s' * (covered != 1)}"


def _with_earlier_work(
    config: DigestConfig, day: str, briefed: list[Unique], collection: Collection, problems: list[NotCovered]
) -> tuple[list[Unique], list[Unique]]:
    """This run's briefed articles plus those of today's earlier digest it lost; refuses a run that has nothing."""
    missing = collection.problems + problems
    earlier = earlier_today(config.output_dir / f"{day}.json") if missing else None  # nothing to carry
    carried = carry_over(earlier, briefed, missing) if earlier else []
    if missing and not briefed and not carried:
        first = f"{missing[0].source}: {missing[0].reason}"
        kept = " Today's earlier digest is left as it was." if earlier else ""
        raise NothingBriefed(f"No digest: none of the sources or articles could be briefed ({first}).{kept}")
    if not carried:
        return briefed, carried
    order = {address: n for n, a in enumerate(earlier.articles) for address in a.addresses}
    return sorted(
        briefed + carried, key=lambda u: min(order.get(a, len(order)) for a in u.addresses)
    ), carried


def brief_all(articles: list[Unique], run: _Run) -> tuple[list[NotCovered], dict[str, int]]:
    """Fill ``u.packed`` for every article: from the store, else from the LLM; failures become problems."""
    run.progress.start(len(articles))
    todo = []
    for u in articles:
        stored = run.store.get_brief(u.brief_key)
        if stored is None:
            todo.append(u)
            continue
        try:
            brief = Brief.model_validate_json(stored).model_copy(update={"article": u.item.article})
        except ValidationError as exc:  # unreadable (an older or damaged record): brief the article again
            log.warning(
                "stored brief of %s is unreadable (%s); briefing it again", u.address, exc.errors()[0]["msg"]
            )
            todo.append(u)
            continue
        u.packed = PackedBrief.of(brief)
        run.progress.advance(u.address, "already briefed")
    problems, calls = [], 0
    if todo:
        # Not lazy: the local server must be started by this thread, which outlives the workers.
        with run.open_backend(run.store, lazy=False) as backend:
            problems = _extract_all(todo, backend, run)
            calls = backend.calls
    run.progress.finish()
    return problems, {
        "briefed": len(todo) - len(problems),
        "reused": len(articles) - len(todo),
        "llm_calls": calls,
    }


def _extract_all(todo: list[Unique], backend: Backend, run: _Run) -> list[NotCovered]:
    """Brief ``todo`` on a thread pool; results are kept in input order, whatever order they finish in."""
    outcomes: dict[int, NotCovered | str] = {}
    with ThreadPoolExecutor(max_workers=run.runtime.concurrency, thread_name_prefix="briefer-digest") as pool:
        futures: dict[Future, int] = {
            pool.submit(_extract_one, u, backend, run): n for n, u in enumerate(todo)
        }
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    n = futures[future]
                    outcomes[n] = future.result()
                    said = outcomes[n]
                    run.progress.advance(todo[n].address, "failed" if isinstance(said, NotCovered) else said)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [p for _, p in sorted(outcomes.items()) if isinstance(p, NotCovered)]


def _extract_one(u: Unique, backend: Backend, run: _Run) -> NotCovered | str:
    """Brief one article, store the brief at once and keep it packed; any failure becomes the article's problem.

    Returns the problem, or what happened: "briefed", or "briefed (cached)" when no model was asked.
    """
    rt, backend = run.runtime, Tally(backend)
    try:
        require_article_text(u.item.article)  # a login page or a menu costs no call
        brief = rt.brief(u.item.article, backend, concurrency=1)  # articles run in parallel, not chunks
    except Exception as exc:  # noqa: BLE001 -- one article never sinks the digest
        reason = str(exc) if isinstance(exc, BrieferError) else f"internal error: {type(exc).__name__}: {exc}"
        return NotCovered(source=u.address, reason=reason)
    json = brief.model_dump_json()
    run.store.put_brief(u.brief_key, u.hash, brief.meta.model, json)
    u.packed = PackedBrief.of(brief, json)
    return "briefed (cached)" if backend.all_cached else "briefed"


def write_digest(
    digest: AssembledDigest | Digest, config: DigestConfig, now: datetime | None = None
) -> tuple[Path, Path]:
    """``OUTDIR/DAY.json``, ``DAY.html`` (the evidence view), ``DAY.md``, then ``digest.xml`` and ``index.html``.

    The three day files are rendered as streams into temp files and renamed
    only when all three are complete: a template error or a full disk leaves
    the day's earlier files as they were. The Atom feed and the index are
    written last: they list the day files (:mod:`briefer.digest.publish`);
    ``now`` dates a feed entry whose content changed.
    """
    from ..output.digest_html import digest_html_chunks
    from .publish import publish

    md_path = config.output_dir / f"{digest.date}.md"
    json_path = md_path.with_suffix(".json")
    write_all_atomic(
        [
            (json_path, itertools.chain(digest.json_chunks(), ["\n"])),
            (md_path.with_suffix(".html"), digest_html_chunks(digest)),
            (md_path, digest_markdown_chunks(digest, config.template)),
        ]
    )
    publish(digest, config, now or datetime.now(UTC))
    return md_path, json_path
