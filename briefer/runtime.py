"""Every decision a run needs, resolved once at the edge and passed down.

The CLI (or a library caller) turns :class:`~briefer.config.Settings` into a
:class:`Runtime`: which backend and why, the chunk size and concurrency that
suit it, the extraction options and their fingerprint. Nothing below
re-derives these from settings. The caller also owns the one
:class:`~briefer.state.store.Store` a run shares between the response cache
and the digest state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from .brief.chunking import estimate_tokens
from .brief.context import ArticleContext
from .brief.extract import ExtractOptions, first_request
from .brief.judged import registry_judge
from .brief.pipeline import article_chunks, article_languages, brief_article
from .brief.prompts import chunk_messages, facts_wanted, load_prompts
from .config import Settings
from .errors import redact
from .language import Language
from .llm.base import Backend
from .llm.select import BackendKind, choose, open_backend
from .models import Article, Brief, Chunk
from .state.lazy import LazyStore
from .state.repair import UnusableStore
from .state.store import StateError, Store

# Small chunks for the embedded 0.5B model (it copies quotes far better from ~300
# tokens than from 1,000), larger ones for remote models.
CHUNK_TOKENS = {BackendKind.local: 300, BackendKind.remote: 1500}
# One worker for the embedded model, which already uses every core; four for a remote API.
CONCURRENCY = {BackendKind.local: 1, BackendKind.remote: 4}
# Chunks of one brief asked at once: the embedded model already uses every core; a server
# gets every chunk of a long article at once, up to 16 (4 made a 9-chunk brief take three
# latencies instead of one: benchmarks/perf.py long, 2.55x -> 1.22x the bare client).
CHUNK_CONCURRENCY = {BackendKind.local: 1, BackendKind.remote: 16}
# Re-asks the embedded model gets unless max_reasks is set: none. Its answers follow the schema's
# grammar, so a re-ask is only ever about dropped facts, and on six articles its re-asks found no
# fact it had not already grounded, only copies (benchmarks/local_model.py; BENCHMARKS.md,
# "Embedded model"). Remote servers keep max_reasks (2).
LOCAL_MAX_REASKS = 0
# For --dry-run's estimate, measured against the embedded model's own counts of the example
# article's first requests (tests/cassettes/example_brief.yaml): a proposed fact (quotes, speaker,
# claim, kind, entities) costs about 75 completion tokens, and the chunker's tokenizer-free
# estimate counts about 1.4 times the tokens Qwen's tokenizer does for the prompt.
TOKENS_PER_FACT = 75
# In quote mode a fact is a sentence of the article and its kind, nothing else.
TOKENS_PER_QUOTE = 40
PROMPT_TOKENS_SCALE = 0.7
# Tokens a chat message costs besides its content (role, separators).
TOKENS_PER_MESSAGE = 4
_FINGERPRINT_FIELDS = (
    "model",
    "base_url",
    "model_path",
    "structured_mode",
    "max_tokens",
    "max_reasks",
    "max_facts",
    "temperature",
    "language",
    "answer_language",
    "statements",
    "judge",
    "judge_model",
    "judge_base_url",
)


def statement_mode(settings: Settings, kind: BackendKind) -> str:
    """What a statement says, decided once: ``quote`` (the source's sentence) or ``paraphrase``.

    ``auto`` paraphrases only where a judge is configured to pass each paraphrase, and never with the
    embedded model: a 0.5B model paraphrases wrongly often, and nothing of its size judges meaning well.
    """
    if settings.statements != "auto":
        return settings.statements
    return "paraphrase" if settings.judge != "none" and kind is not BackendKind.local else "quote"


def default_options(settings: Settings, kind: BackendKind) -> ExtractOptions:
    """The extraction options from ``settings``, with the embedded model's own defaults where none is set."""
    options = replace(ExtractOptions.from_settings(settings), statements=statement_mode(settings, kind))
    if kind is BackendKind.local and settings.origin("max_reasks").layer == "default":
        options = replace(options, max_reasks=LOCAL_MAX_REASKS)
    return options


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    kind: BackendKind
    reason: str
    chunk_tokens: int
    concurrency: int
    options: ExtractOptions = field(default_factory=ExtractOptions)
    chunk_concurrency: int = 1

    @classmethod
    def resolve(cls, settings: Settings, *, concurrency: int | None = None) -> Runtime:
        choice = choose(settings)
        return cls(
            settings=settings,
            kind=choice.kind,
            reason=choice.reason,
            chunk_tokens=settings.max_chunk_tokens or CHUNK_TOKENS[choice.kind],
            concurrency=concurrency or CONCURRENCY[choice.kind],
            options=default_options(settings, choice.kind),
            chunk_concurrency=settings.chunk_concurrency or CHUNK_CONCURRENCY[choice.kind],
        )

    def fingerprint(self) -> dict[str, Any]:
        """Everything besides the article that shapes a brief (the stored brief's key)."""
        options = vars(self.options)  # as resolved: a backend's own defaults included
        values = {
            f: str(options[f] if f in options else getattr(self.settings, f)) for f in _FINGERPRINT_FIELDS
        }
        return {"prompt": load_prompts().version, "chunk_tokens": self.chunk_tokens, **values}

    def brief_key(self, text: str, title: str) -> str:
        payload = {"text": text, "title": title, "settings": self.fingerprint()}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def open_store(self) -> Store | UnusableStore | LazyStore:
        """The run's store; for a corrupt or unusable file, an :class:`UnusableStore` instead.

        A brief only needs the optional response cache, which then warns once
        and carries on without it; digest state raises the file's one-line
        :class:`StateError` on first use (``briefer doctor --repair`` fixes it).
        With the cache off the file is opened on first use (:class:`LazyStore`):
        a brief then only logs its run in it, once it has ended.
        """
        if not self.settings.cache:
            return LazyStore(self.settings.state_path())
        try:
            return Store(self.settings.state_path())
        except StateError as exc:
            return UnusableStore(exc)

    @contextlib.contextmanager
    def backend(self, store: Store | None = None, *, lazy: bool = True) -> Iterator[Backend]:
        """The run's backend; answers come from ``store``'s cache when caching is on."""
        cache = store if self.settings.cache else None
        with open_backend(self.settings, self.kind, store=cache, lazy=lazy) as backend:
            yield backend

    # --- what a run says about itself (the CLI's announcement and --dry-run) -------------

    def announcement(self, model: str) -> str:
        """Backend, model and why, in one line: "OpenAI gpt-4o-mini — OPENAI_API_KEY from the environment"."""
        s = self.settings
        if self.kind is BackendKind.local:
            where = f" ({s.origin('model_path').phrase('model_path')})" if s.model_path else ""
            return f"embedded {model}{where} on 127.0.0.1 — no API key or base URL set"
        if s.base_url:
            return f"model {model} at {redact(s.base_url)} — {s.origin('base_url').phrase('base URL')}"
        return f"OpenAI {model} — {s.origin('api_key').phrase('api_key')}"

    def first_use(self) -> str | None:
        """What opening the embedded model will do first that takes a while (assemble, verify), if anything."""
        if self.kind is not BackendKind.local or self.settings.model_path:
            return None
        from .llm.local import model as local

        dest = local.default_model_path(self.settings.model_cache_dir())
        if not dest.is_file():
            with contextlib.suppress(Exception):  # a missing or broken install: opening says why
                if local.packaged_parts():
                    return f"assembling the embedded model into {dest} and verifying its sha256 (first use)"
            return None
        size, mtime = dest.stat().st_size, dest.stat().st_mtime_ns
        if local._read_sidecar(dest) != (size, mtime, local.DEFAULT_MODEL_SHA256):
            return f"verifying the embedded model's sha256 ({dest}; once)"
        return None

    def expected_model(self) -> str | None:
        """The model a run would use, known without contacting anything; None: the server's first listed model."""
        s = self.settings
        if s.model:
            return s.model
        if self.kind is BackendKind.local:
            from .llm.local.model import DEFAULT_MODEL_NAME

            return s.model_path.stem if s.model_path else DEFAULT_MODEL_NAME
        if s.base_url:
            return None
        from .llm.remote import DEFAULT_REMOTE_MODEL

        return DEFAULT_REMOTE_MODEL

    def resolved(self) -> dict[str, Any]:
        """The settings left unset that the run decides, as it would decide them (for ``--dry-run``)."""
        s = self.settings
        local = self.kind is BackendKind.local
        return {
            "model": self.expected_model() or "the server's first listed model",
            "structured_mode": "json_object" if local else "auto",
            "max_chunk_tokens": self.chunk_tokens,
            "max_reasks": self.options.max_reasks,  # the embedded model's own default
            "statements": self.options.statements,
            "chunk_concurrency": self.chunk_concurrency,
            "data_dir": s.state_dir(),
            "cache_dir": s.model_cache_dir(),
            "n_threads": os.cpu_count() if local else None,
        }

    def brief(
        self, article: Article, backend: Backend, *, concurrency: int | None = None, **hooks: Any
    ) -> Brief:
        """``article`` briefed as this run resolved it: chunk size, options and chunk concurrency
        (``concurrency`` overrides the last; ``hooks`` are :func:`brief_article`'s progress callbacks)."""
        chunks_at_once = self.chunk_concurrency if concurrency is None else concurrency
        with self.judge_backend(backend) as judging:
            if self.options.statements == "paraphrase" and "judge" not in hooks:
                # Paraphrases render only after the judge passes them: the structural checks always, and
                # with ``judge = "llm"`` the model too; one that fails becomes the quote of its spans.
                code = self.languages(article)[0].code
                hooks["judge"] = registry_judge(self.settings.judge, judging, article.text, code)
            return brief_article(
                article,
                backend,
                max_chunk_tokens=self.chunk_tokens,
                options=self.options,
                concurrency=chunks_at_once,
                **hooks,
            )

    @contextlib.contextmanager
    def judge_backend(self, backend: Backend) -> Iterator[Backend]:
        """The llm judge's backend: the run's own, unless ``judge_model`` or ``judge_base_url`` names
        another (an OpenAI-compatible server; the embedded server judges with its own model)."""
        s = self.settings
        if (
            self.options.statements != "paraphrase"
            or s.judge != "llm"
            or not (s.judge_model or s.judge_base_url)
        ):
            yield backend
            return
        other = s.model_copy(
            update={"model": s.judge_model or s.model, "base_url": s.judge_base_url or s.base_url}
        )
        kind = choose(other).kind
        if kind is BackendKind.local:
            yield backend
            return
        cache = getattr(backend, "store", None) if s.cache else None
        with open_backend(other, kind, store=cache) as judging:
            yield judging

    def chunks(self, article: Article) -> list[Chunk]:
        """The chunks a brief of ``article`` asks about, as the pipeline cuts them."""
        return article_chunks(article, self.chunk_tokens, self.languages(article)[0].code)

    def messages(self, article: Article, chunk: Chunk) -> tuple[dict[str, str], ...]:
        """The exact messages of ``chunk``'s first request."""
        if self.options.statements != "quote":
            return chunk_messages(article, chunk, self.options.max_facts, *self.languages(article))
        return first_request(ArticleContext.of(article, *self.languages(article)), chunk, self.options)[0]

    def languages(self, article: Article) -> tuple[Language, Language]:
        """The article's language and the claims', as the pipeline decides them."""
        return article_languages(article, self.options)

    def estimate(self, article: Article, chunks: list[Chunk]) -> tuple[int, int]:
        """About how many (prompt, completion) tokens a brief costs, before any re-ask."""
        prompt = completion = 0
        lang, answer = self.languages(article)  # detected once, not per chunk
        for chunk in chunks:
            messages = chunk_messages(article, chunk, self.options.max_facts, lang, answer)
            prompt += round(
                PROMPT_TOKENS_SCALE
                * sum(estimate_tokens(m["content"]) + TOKENS_PER_MESSAGE for m in messages)
            )
            wanted = facts_wanted(chunk, self.options.max_facts, lang.code)
            per_fact = TOKENS_PER_QUOTE if self.options.statements == "quote" else TOKENS_PER_FACT
            completion += min(self.options.max_tokens, wanted * per_fact)
        return prompt, completion
