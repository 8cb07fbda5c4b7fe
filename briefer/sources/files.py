"""The ``paths`` source kind: files, folders (searched recursively) and globs."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..models import Article, NotCovered
from .article import MAX_BYTES, article_from_bytes, read_file
from .base import Collection, Context, Item, Job, Jobs, register

TEXT_SUFFIXES = (".txt", ".md", ".text", ".html", ".htm", ".xhtml")


def file_jobs(patterns: list[str], ctx: Context, out: Collection) -> Jobs:
    jobs: Jobs = []
    for raw in patterns:
        pattern = ctx.base / raw
        paths = expand(pattern)
        if not paths:
            out.problems.append(
                NotCovered(source=_shown(pattern, ctx.base), reason="no article files match this path")
            )
        jobs += [
            (_shown(p, ctx.base), _file_job(p, _shown(p, ctx.base), _shown(pattern, ctx.base))) for p in paths
        ]
    return jobs


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
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return Item(article, path.resolve().as_uri(), origin, article_date(article) or mtime)

    return load


def article_date(article: Article) -> datetime | None:
    """A page's date (a day): counted as the end of that day, so the window never cuts it short."""
    if not article.date:
        return None
    try:
        day = datetime.fromisoformat(article.date[:10])
    except ValueError:
        return None
    return day.replace(tzinfo=UTC) + timedelta(days=1)


register("paths", file_jobs)
