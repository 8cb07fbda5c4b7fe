"""The ``urls`` source kind: article pages fetched over http(s)."""

from __future__ import annotations

from datetime import datetime

from .article import article_from_bytes
from .base import Collection, Context, Item, Job, Jobs, http_urls, register
from .canonical import canonical_url, declared_canonical
from .fetch import fetch_url
from .files import article_date


def page_job(url: str, origin: str, ctx: Context, published: datetime | None = None) -> Job:
    def load() -> Item:
        got = fetch_url(url, timeout=ctx.timeout, allow_private=ctx.allow_private, cancel=ctx.cancel)
        article = article_from_bytes(got.data, source=url, content_type=got.content_type, url=got.url)
        key = canonical_url(declared_canonical(got.data, got.url) or got.url)
        return Item(article, key, origin, published or article_date(article))

    return load


def url_jobs(urls: list[str], ctx: Context, out: Collection) -> Jobs:
    return [(url, page_job(url, url, ctx)) for url in urls]


register("urls", url_jobs, http_urls)
