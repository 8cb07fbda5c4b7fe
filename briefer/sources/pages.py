"""The ``urls`` source kind: article pages fetched over http(s), conditionally when seen before.

A page answered with 304 Not Modified is the article extracted last time (kept
in the state with the page's validators), so a re-run neither downloads nor
extracts it again; see :mod:`briefer.sources.conditional`.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from ..models import Article
from ..state.store import HttpRecord
from .article import article_from_bytes
from .base import Collection, Context, Item, Job, Jobs, http_urls, register
from .canonical import canonical_url, declared_canonical
from .conditional import conditional_get, remember
from .files import article_date


def page_job(
    url: str, origin: str, ctx: Context, published: datetime | None = None, tags: frozenset[str] = frozenset()
) -> Job:
    def load() -> Item:
        got, kept = conditional_get(url, ctx, _restore)
        if kept is not None:
            ctx.count("pages not modified")
            article, address = kept
        else:
            ctx.count("pages fetched")
            article = article_from_bytes(got.data, source=url, content_type=got.content_type, url=got.url)
            address = declared_canonical(got.data, got.url) or got.url
            remember(url, ctx, got, article=article.model_dump_json(), key=address)
        return Item(article, canonical_url(address), origin, published or article_date(article), tags)

    return load


def _restore(record: HttpRecord) -> tuple[Article, str] | None:
    """The article and address a stored page stands for; ``None`` if it was stored by an incompatible briefer."""
    if record.article is None or record.key is None:
        return None
    try:
        return Article.model_validate_json(record.article), record.key
    except ValidationError:
        return None


def url_jobs(urls: list[str], ctx: Context, out: Collection) -> Jobs:
    return [(url, page_job(url, url, ctx)) for url in urls]


register("urls", url_jobs, http_urls)
