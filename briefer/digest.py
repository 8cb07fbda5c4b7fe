"""A daily digest: many sources in, one cited Markdown (and JSON) file per day out.

A run goes one way:

1. :func:`briefer.collect.collect` loads every article the config names
   (files, URLs, feed entries), keeps those inside the time window that pass
   the keyword filters, and lists each source that failed.
2. Copies collapse: one article per canonical URL, then one per
   :func:`~briefer.cluster.content_hash` (the other addresses are kept).
3. Each article is briefed by the usual pipeline on a thread pool, unless a
   brief for the same text, title and extraction settings is already stored.
   Every brief is stored the moment it is done, so an interrupted run resumes
   where it stopped; behind that, the LLM response cache makes a repeat run
   of the same day call no LLM at all. One article failing becomes a line in
   the digest's "Not covered" section, never a failed digest.
4. :func:`briefer.cluster.clusters` groups near-duplicate reports into
   stories and :func:`briefer.cluster.story_facts` merges each story's facts
   across its reports; a fact from several reports is *corroborated*.
5. Citations are renumbered digest-wide: marker ``[n]`` points at one article
   (``A1``, ``A2`` …), one verified quote and its character range.

Nothing run-specific (times, call counts) is rendered, and every list is
sorted by stable keys rather than by completion order, so the same inputs
give byte-identical files. Runs and articles seen are recorded in the SQLite
state (see :mod:`briefer.store`); a per-config lock file keeps two runs of
one config apart.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, ContextManager, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import filelock
from croniter import croniter
from pydantic_core import PydanticCustomError
from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from . import backend as backends
from .cluster import clusters, content_hash, story_facts
from .collect import Collection, Filters, Item, Problem, SourceSpec, collect
from .config import Settings, describe_validation, load_settings
from .errors import BrieferError, ConfigError
from .extract import ExtractOptions, load_prompts
from .files import write_atomic
from .llm import Backend
from .models import Brief, FactKind, MatchTier, Span, Strict
from .pipeline import brief_article
from .render import render_template, resolve_template, uncited_statements
from .store import Store

log = logging.getLogger("briefer.digest")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


# --- the config file ------------------------------------------------------------


def _invalid(message: str) -> PydanticCustomError:
    """A validation error whose message is printed as is (no "Value error," prefix)."""
    return PydanticCustomError("digest_config", "{message}", {"message": message})


class SourcesConfig(Strict):
    paths: list[str] = []  # files, folders or globs, relative to the config file
    urls: list[str] = []
    feeds: list[str] = []
    timeout: float = Field(20.0, gt=0, le=600)
    max_per_feed: int = Field(30, ge=1, le=1000)

    @field_validator("urls", "feeds")
    @classmethod
    def _http(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.match(r"^https?://\S+$", value, re.IGNORECASE):
                raise _invalid(f"{value!r} is not an http(s) URL")
        return values

    @model_validator(mode="after")
    def _some(self) -> SourcesConfig:
        if not (self.paths or self.urls or self.feeds):
            raise _invalid("name at least one of paths, urls or feeds")
        return self


class ScheduleConfig(Strict):
    cron: str
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise _invalid(f"{value!r} is not a cron expression of five fields, e.g. '0 7 * * *'")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise _invalid(f"{value!r} is not a time zone name such as 'Europe/Berlin' or 'UTC'") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class DigestConfig(Strict):
    name: str = Field(min_length=1, max_length=200)
    sources: SourcesConfig
    output: Path = Path("digests")
    template: str = "digest"
    window: timedelta | None = None
    include: list[str] = []
    exclude: list[str] = []
    concurrency: int | None = Field(None, ge=1, le=64)
    settings: Settings = Field(default_factory=Settings)
    schedule: ScheduleConfig | None = None
    _base: Path = PrivateAttr(default_factory=Path.cwd)
    _key: str | None = PrivateAttr(default=None)

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _DURATION.match(value)
            if not match:
                raise _invalid(f"{value!r} is not a duration such as '24h', '2d', '90m' or '1w'")
            return timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})
        return value

    @field_validator("include", "exclude")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise _invalid("keywords must not be empty")
        return [v.strip() for v in values]

    @property
    def key(self) -> str:
        """What identifies this digest in the state: the resolved config path, else its name."""
        return self._key or f"name:{self.name}"

    @property
    def output_dir(self) -> Path:
        return self._base / self.output

    def zone(self) -> tzinfo:
        if self.schedule:
            return self.schedule.zone
        return datetime.now().astimezone().tzinfo or timezone.utc

    def source_spec(self) -> SourceSpec:
        s = self.sources
        paths = tuple(self._base / p for p in s.paths)
        return SourceSpec(
            paths=paths, urls=tuple(s.urls), feeds=tuple(s.feeds), timeout=s.timeout, max_per_feed=s.max_per_feed, base=self._base
        )

    def filters(self, now: datetime) -> Filters:
        since = now - self.window if self.window else None
        return Filters(since=since, include=tuple(self.include), exclude=tuple(self.exclude))

    def anchored(self, base: Path, key: str | None) -> DigestConfig:
        self._base, self._key = base, key
        if "/" in self.template or self.template.endswith(".j2"):
            self.template = str((base / self.template).resolve())
        return self


def load_digest_config(path: Path | str) -> DigestConfig:
    """Read and validate a digest config; any problem is one ConfigError line naming the key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Digest config {path} does not exist; see examples/digest.toml.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Digest config {path} is not valid TOML: {exc}") from None
    return digest_config(data, base=path.resolve().parent, key=str(path.resolve()), what=f"digest config {path}")


def digest_config(data: dict[str, Any], *, base: Path, key: str | None = None, what: str = "digest config") -> DigestConfig:
    try:
        config = DigestConfig.model_validate(data).anchored(base, key)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, what)) from None
    try:
        resolve_template(config.template)
    except ConfigError as exc:
        raise ConfigError(f"Invalid {what}: template: {exc}") from None
    return config


def digest_settings(config: DigestConfig, overrides: dict[str, Any] | None = None, path: Path | None = None) -> Settings:
    """briefer's settings layers with the config's ``[settings]`` table above the environment, below the command line."""
    mine = config.settings.model_dump(exclude_unset=True)
    return load_settings({**mine, **{k: v for k, v in (overrides or {}).items() if v is not None}}, path=path)


# --- the digest, as data -----------------------------------------------------------


class DigestArticle(Strict):
    label: str
    title: str
    addresses: list[str]  # where it was read; several when exact copies were found
    origin: str  # the configured source it came from
    brief: Brief


class DigestCitation(Strict):
    id: int
    article: str
    span: Span
    match: MatchTier


class DigestFact(Strict):
    claim: str
    kind: FactKind
    citations: list[int]
    articles: list[str]
    corroborated: bool


class Story(Strict):
    title: str
    articles: list[str]
    facts: list[DigestFact]


class NotCovered(Strict):
    source: str
    reason: str


class Digest(Strict):
    name: str
    date: str
    stories: list[Story]
    articles: list[DigestArticle]
    citations: list[DigestCitation]
    not_covered: list[NotCovered] = []
    left_out: dict[str, int] = {}

    @model_validator(mode="after")
    def _resolves(self) -> Digest:
        """Every marker is a citation whose quote is its article's exact text."""
        texts = {a.label: a.brief.article.text for a in self.articles}
        for c in self.citations:
            if texts[c.article][c.span.start : c.span.end] != c.span.text:
                raise _invalid(f"citation {c.id} does not match article {c.article}")
        ids = {c.id for c in self.citations}
        for story in self.stories:
            for f in story.facts:
                if not f.citations or not set(f.citations) <= ids:
                    raise _invalid(f"fact {f.claim!r} has no valid citation")
        return self

    def citation(self, cid: int) -> DigestCitation:
        return next(c for c in self.citations if c.id == cid)


# --- running -----------------------------------------------------------------------


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, label: str, outcome: str) -> None: ...
    def finish(self) -> None: ...


class LogProgress:
    """Plain log lines: what cron mails and journald keep."""

    def __init__(self) -> None:
        self.total, self.done = 0, 0

    def start(self, total: int) -> None:
        self.total = total
        log.info("briefing %d articles", total)

    def advance(self, label: str, outcome: str) -> None:
        self.done += 1
        log.info("[%d/%d] %s: %s", self.done, self.total, outcome, label)

    def finish(self) -> None:
        pass


BackendOpener = Callable[..., ContextManager[Backend]]  # (settings, *, lazy) like briefer.backend.open_backend


@dataclass
class Unique:
    """One article after copies collapsed: the item read, and the other addresses of its copies."""

    item: Item
    hash: str
    addresses: list[str]
    brief_key: str = ""
    brief: Brief | None = None


@dataclass
class RunResult:
    digest: Digest
    markdown_path: Path
    json_path: Path
    status: str
    counts: dict[str, int] = field(default_factory=dict)


def run_digest(
    config: DigestConfig,
    settings: Settings,
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
    now = now or datetime.now(timezone.utc)
    day = now.astimezone(config.zone()).date().isoformat()
    with config_lock(config.key, settings), _store(settings) as store:
        run_id = store.start_run(config.key, day)
        try:
            opener = open_backend or backends.open_backend
            result = _run(config, settings, store, now, day, opener, progress or LogProgress())
        except KeyboardInterrupt:
            store.finish_run(run_id, "interrupted", {})
            raise
        except BaseException:
            store.finish_run(run_id, "failed", {})
            raise
        store.finish_run(run_id, result.status, result.counts)
    return result


def _run(
    config: DigestConfig, settings: Settings, store: Store, now: datetime, day: str,
    open_backend: BackendOpener, progress: Progress,
) -> RunResult:
    collection = collect(config.source_spec(), config.filters(now))
    articles = unique_articles(collection.items)
    new = sum(store.see_article(u.item.key, u.hash, u.item.article.title)[1] for u in articles)
    fingerprint = extraction_fingerprint(settings)
    for u in articles:
        u.brief_key = brief_key(u.item, fingerprint)
    problems, counts = brief_all(articles, config, settings, store, open_backend, progress)
    digest = assemble(config.name, day, [u for u in articles if u.brief], collection, problems)
    md_path, json_path = write_digest(digest, config)
    counts.update(articles=len(articles), new=new, failed=len(problems), stories=len(digest.stories))
    status = "partial" if digest.not_covered else "ok"
    log.info("digest %s: %d stories from %d articles (%s)", md_path, len(digest.stories), len(articles), status)
    return RunResult(digest, md_path, json_path, status, counts)


@contextlib.contextmanager
def _store(settings: Settings) -> Iterator[Store]:
    store = Store(settings.state_dir() / "briefer.sqlite3")
    try:
        yield store
    finally:
        store.close()


def lock_path(key: str, settings: Settings) -> Path:
    return settings.state_dir() / "locks" / f"digest-{hashlib.sha256(key.encode()).hexdigest()[:16]}.lock"


@contextlib.contextmanager
def config_lock(key: str, settings: Settings) -> Iterator[None]:
    """Hold the config's lock file for the run; the OS drops the lock if the process dies."""
    path = lock_path(key, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path), timeout=0, is_singleton=False, thread_local=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise BrieferError(f"Another digest of {key} is running (lock {path}); wait for it to finish.") from None
    try:
        yield
    finally:
        lock.release()


def unique_articles(items: list[Item]) -> list[Unique]:
    """One article per canonical URL, then per content hash; sorted by key so order never depends on timing."""
    by_key: dict[str, list[Item]] = {}
    for item in items:
        by_key.setdefault(item.key, []).append(item)
    by_hash: dict[str, Unique] = {}
    for key in sorted(by_key):
        first, *copies = by_key[key]
        digest = content_hash(first.article.text)
        unique = by_hash.setdefault(digest, Unique(first, digest, []))
        for item in (first, *copies):
            if _address(item) not in unique.addresses:
                unique.addresses.append(_address(item))
    return list(by_hash.values())


def _address(item: Item) -> str:
    """A page's canonical URL, a file's path as configured."""
    return item.key if item.key.startswith(("http://", "https://")) else item.article.source


def extraction_fingerprint(settings: Settings) -> dict[str, Any]:
    """Everything besides the article that shapes a brief."""
    fields = ("model", "base_url", "model_path", "structured_mode", "max_tokens", "max_reasks", "max_facts", "temperature")
    values = {f: str(getattr(settings, f)) for f in fields}
    return {"prompt": load_prompts().version, "chunk_tokens": settings.chunk_tokens(), **values}


def brief_key(item: Item, fingerprint: dict[str, Any]) -> str:
    payload = {"text": item.article.text, "title": item.article.title, "settings": fingerprint}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def default_concurrency(settings: Settings) -> int:
    """Four workers for a remote API; one for the embedded model, which already uses every core."""
    return 1 if backends.choose(settings).kind == "local" else 4


def brief_all(
    articles: list[Unique], config: DigestConfig, settings: Settings, store: Store,
    open_backend: BackendOpener, progress: Progress,
) -> tuple[list[Problem], dict[str, int]]:
    """Fill ``u.brief`` for every article: from the store, else from the LLM; failures become problems."""
    progress.start(len(articles))
    todo = []
    for u in articles:
        stored = store.get_brief(u.brief_key)
        if stored is None:
            todo.append(u)
            continue
        u.brief = Brief.model_validate_json(stored).model_copy(update={"article": u.item.article})
        progress.advance(_address(u.item), "already briefed")
    problems, calls = [], 0
    if todo:
        # Not lazy: the local server must be started by this thread, which outlives the workers.
        with open_backend(settings, lazy=False) as backend:
            workers = config.concurrency or default_concurrency(settings)
            problems = _extract_all(todo, backend, settings, store, workers, progress)
            calls = getattr(backend, "calls", 0)
    progress.finish()
    return problems, {"briefed": len(todo) - len(problems), "reused": len(articles) - len(todo), "llm_calls": calls}


def _extract_all(
    todo: list[Unique], backend: Backend, settings: Settings, store: Store, workers: int, progress: Progress
) -> list[Problem]:
    """Brief ``todo`` on a thread pool; results are kept in input order, whatever order they finish in."""
    outcomes: dict[int, Problem | None] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="briefer-digest") as pool:
        futures: dict[Future, int] = {pool.submit(_extract_one, u, backend, settings, store): n for n, u in enumerate(todo)}
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    n = futures[future]
                    outcomes[n] = future.result()
                    progress.advance(_address(todo[n].item), "failed" if outcomes[n] else "briefed")
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [p for n, p in sorted(outcomes.items()) if p]


def _extract_one(u: Unique, backend: Backend, settings: Settings, store: Store) -> Problem | None:
    """Brief one article and store the brief at once; any failure becomes the article's problem."""
    options = ExtractOptions.from_settings(settings)
    try:
        u.brief = brief_article(u.item.article, backend, max_chunk_tokens=settings.chunk_tokens(), options=options)
    except Exception as exc:  # noqa: BLE001 -- one article never sinks the digest
        reason = str(exc) if isinstance(exc, BrieferError) else f"internal error: {type(exc).__name__}: {exc}"
        return Problem(_address(u.item), reason)
    store.put_brief(u.brief_key, u.hash, u.brief.meta.model, u.brief.model_dump_json())
    return None


# --- assembling ------------------------------------------------------------------


def assemble(name: str, day: str, articles: list[Unique], collection: Collection, problems: list[Problem]) -> Digest:
    """Label articles, cluster them into stories, merge facts and number the citations digest-wide."""
    labelled = [_digest_article(f"A{n}", u) for n, u in enumerate(articles, 1)]
    groups = clusters([a.brief.article.text for a in labelled])
    groups.sort(key=lambda g: (-len(g), g[0]))
    numbers: dict[tuple[str, int], int] = {}
    stories = [_story([labelled[i] for i in g], numbers) for g in groups]
    citations = [_citation(cid, label, ref, labelled) for (label, ref), cid in numbers.items()]
    not_covered = [NotCovered(source=p.source, reason=p.reason) for p in collection.problems + problems]
    return Digest(
        name=name, date=day, stories=stories, articles=labelled, citations=citations,
        not_covered=not_covered, left_out=dict(sorted(collection.left_out.items())),
    )


def _digest_article(label: str, u: Unique) -> DigestArticle:
    assert u.brief is not None
    title = u.brief.article.title or u.brief.article.source
    return DigestArticle(label=label, title=title, addresses=u.addresses, origin=u.item.origin, brief=u.brief)


def _story(members: list[DigestArticle], numbers: dict[tuple[str, int], int]) -> Story:
    facts = []
    for sf in story_facts([a.brief for a in members]):
        refs = [(members[n].label, cid) for n, cid in sf.refs]
        ids = sorted({numbers.setdefault(ref, len(numbers) + 1) for ref in refs})
        labels = [members[n].label for n in sf.articles]
        facts.append(DigestFact(claim=sf.claim, kind=sf.kind, citations=ids, articles=labels, corroborated=len(labels) > 1))
    return Story(title=members[0].title, articles=[a.label for a in members], facts=facts)


def _citation(cid: int, label: str, ref: int, articles: list[DigestArticle]) -> DigestCitation:
    article = next(a for a in articles if a.label == label)
    c = article.brief.citation(ref)
    return DigestCitation(id=cid, article=label, span=c.span, match=c.match)


# --- rendering -------------------------------------------------------------------


def render_digest(digest: Digest, template: str = "digest") -> str:
    return render_template(template, digest_context(digest))


def digest_context(digest: Digest) -> dict[str, Any]:
    articles = {a.label: a for a in digest.articles}
    models = sorted({f"{a.brief.meta.model} · prompt {a.brief.meta.prompt_version}" for a in digest.articles})
    return {
        "digest": digest,
        "name": digest.name,
        "date": digest.date,
        "stories": digest.stories,
        "articles": articles,
        "citations": digest.citations,
        "not_covered": digest.not_covered,
        "left_out": digest.left_out,
        "models": models,
    }


def write_digest(digest: Digest, config: DigestConfig) -> tuple[Path, Path]:
    """``OUTDIR/DAY.json`` then ``OUTDIR/DAY.md``, each written atomically."""
    md_path = config.output_dir / f"{digest.date}.md"
    json_path = md_path.with_suffix(".json")
    markdown = render_digest(digest, config.template)
    write_atomic(json_path, digest.model_dump_json(indent=2) + "\n")
    write_atomic(md_path, markdown)
    return md_path, json_path


def uncited_digest_lines(markdown: str, digest: Digest) -> list[str]:
    """Statement lines of a rendered digest without a resolving marker (empty list: all cited)."""
    return uncited_statements(markdown, {c.id for c in digest.citations})
