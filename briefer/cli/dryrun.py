"""``--dry-run`` and ``--show-prompt``: what a run would do, shown without sending anything anywhere."""

from __future__ import annotations

import json
from typing import Any

from ..brief.chunking import estimate_tokens
from ..config import shown_settings
from ..digest.notify import shown
from ..errors import InputError
from ..models import Article


def header(runtime: Any) -> list[str]:
    """Backend, model and every resolved setting with its origin (like ``git config --show-origin``)."""
    model = runtime.expected_model() or "the server's first listed model (not asked in a dry run)"
    lines = [
        "dry run: nothing is sent to any model",
        f"backend   {runtime.kind.value}: {runtime.reason}",
        f"model     {model}",
        "settings  (value, then where it came from)",
    ]
    return lines + settings_rows(runtime)


def settings_rows(runtime: Any) -> list[str]:
    """One line per setting; one left unset shows what the run decides for it."""
    decided = runtime.resolved()
    rows = []
    for name, value, origin in shown_settings(runtime.settings):
        overridden = (
            runtime.settings.origin(name).layer == "default" and str(decided.get(name, value)) != value
        )
        if decided.get(name) is not None and (value == "(none)" or overridden):
            value, origin = str(decided[name]), f"{origin} (decided for this run)"
        rows.append((name, value, origin))
    width = max(len(name) for name, _, _ in rows)
    values = max((len(value) for _, value, _ in rows if len(value) <= 40), default=0)
    return [f"  {name:<{width}}  {value:<{values}}  {origin}" for name, value, origin in rows]


def brief_report(runtime: Any, articles: list[tuple[str, Article]]) -> str:
    """The dry run of ``briefer brief``: the header, then each article's chunks and token estimate."""
    lines = header(runtime)
    total_prompt = total_completion = calls = 0
    for arg, article in articles:
        chunks = runtime.chunks(article)
        prompt, completion = runtime.estimate(article, chunks)
        total_prompt, total_completion, calls = (
            total_prompt + prompt,
            total_completion + completion,
            calls + len(chunks),
        )
        lang, answer = runtime.languages(article)
        how = "set" if runtime.options.language != "auto" else "detected"
        claims = f", claims in {answer.name}" if answer.code != lang.code else ""
        lines.append(
            f"article   {arg}: {len(article.text):,} characters, {len(chunks)} chunk{'s' if len(chunks) != 1 else ''}"
            f" of at most {runtime.chunk_tokens} tokens, asked {runtime.chunk_concurrency} at a time;"
            f" {lang.name} ({lang.code}, {how}){claims}"
        )
        lines += [
            f"  chunk {n}  characters {c.start}–{c.end} (about {estimate_tokens(c.text)} tokens)"
            for n, c in enumerate(chunks, 1)
        ]
    budget = runtime.options.max_tokens
    lines.append(
        f"estimate  about {total_prompt:,} prompt + {total_completion:,} completion tokens in {calls} call"
        f"{'s' if calls != 1 else ''}, before re-asks (at most {runtime.options.max_reasks} a chunk;"
        f" an answer is cut at {budget} tokens)"
    )
    return "\n".join(lines) + "\n"


def digest_report(runtime: Any, config: Any, path: Any) -> str:
    """The dry run of ``briefer digest``: the header, then what the config would read and write."""
    lines = header(runtime)
    lines.append(f"digest    {config.name!r} from {path}")
    for kind, values in config.sources.model_dump().items():
        lines += [f"  {kind:<6}  {value}" for value in values] if isinstance(values, list) else []
    window = f"the last {config.window}" if config.window else "no time window"
    include, exclude = ", ".join(config.include) or "everything", ", ".join(config.exclude) or "nothing"
    lines.append(f"filters   {window}; include {include}; exclude {exclude}")
    lines.append(f"template  {config.template}")
    lines.append(
        f"output    {config.output_dir}/YYYY-MM-DD.md and .json, {runtime.concurrency} articles at a time"
    )
    lines.append("          (sources are read, and articles counted, only on a real run)")
    lines += (
        [f"deliver   {d.url if d.env_name else shown(d.url)}" for d in config.deliver.to]
        if config.deliver
        else []
    )
    return "\n".join(lines) + "\n"


def prompt_json(runtime: Any, article: Article, number: int) -> str:
    """The exact messages of chunk ``number`` (1-based) of ``article``'s first request, as JSON."""
    chunks = runtime.chunks(article)
    if not 1 <= number <= len(chunks):
        raise InputError(
            f"--show-prompt {number}: the article has {len(chunks)} chunk{'s' if len(chunks) != 1 else ''}"
            f" (numbered from 1) at --max-chunk-tokens {runtime.chunk_tokens}"
        )
    messages = runtime.messages(article, chunks[number - 1])
    return json.dumps(list(messages), indent=2, ensure_ascii=False) + "\n"
