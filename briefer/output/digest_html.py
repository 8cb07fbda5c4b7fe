"""The evidence view of a digest: its stories beside every article, each with its highlights.

The page is the brief page's (:mod:`briefer.output.html`) with a digest's
parts, and it is written as a stream: a story's statements and an article's
pane (its brief, its highlighted text) are made when the template reaches
them and let go after, so a digest of 1,000 articles never has its whole
page, or every brief, in memory at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

from markupsafe import Markup

from ..models import Brief
from .html import (
    Cited,
    Statement,
    article_pane,
    cited_by,
    dropped_items,
    fact_item,
    page_basics,
    page_chunks,
    web_link,
)


def render_digest_html(digest: Any) -> str:
    """The evidence view of a digest: its stories beside every article, each with its highlights.

    ``digest`` is a :class:`briefer.digest.model.Digest` or an
    ``AssembledDigest`` (read by attribute: the digest layer sits above this
    one). Citation ids are digest-wide, so a marker ``[7]`` links to ``#c7``
    in whichever article holds it.
    """
    return "".join(digest_html_chunks(digest))


def digest_html_chunks(digest: Any) -> Iterator[str]:
    """:func:`render_digest_html` chunk by chunk; a story's statements and an article's pane are made
    when the page reaches them, so the page's parts are never all in memory at once."""
    stories = _Stories(digest.stories, {c.id: c.match for c in digest.citations})
    back = cited_by(item for s in stories for item in s["facts"])
    mine: dict[str, list[Cited]] = {}
    for c in digest.citations:
        mine.setdefault(c.article, []).append(c)
    yield from page_chunks(
        "digest.html.j2",
        {
            **page_basics(f"{digest.name} — {digest.date}"),
            "digest": digest,
            "stories": stories,
            "articles": _Panes(digest.articles, mine, back),
            "not_covered": digest.not_covered,
            "left_out": digest.left_out,
        },
    )


class _Stories(Sequence[dict[str, Any]]):
    """The digest page's stories, each with its statements numbered s1, s2 … digest-wide, made on access."""

    def __init__(self, stories: Sequence[Any], tiers: dict[int, str]) -> None:
        self._stories, self._tiers = stories, tiers
        self._first = list(itertools.accumulate((len(s.facts) for s in stories), initial=1))

    def __len__(self) -> int:
        return len(self._stories)

    def __getitem__(self, i: int) -> dict[str, Any]:  # type: ignore[override]
        story = self._stories[i]
        items = []
        for n, f in enumerate(story.facts, self._first[i]):
            also = also_note(f.articles, f.backers)
            items.append({**fact_item(f, f"s{n}", self._tiers), "also": also})
        return {"title": story.title, "articles": story.articles, "facts": items}


class _Panes(Sequence["_ArticlePane"]):
    """The digest page's articles, each made when the page comes to it and let go after.

    The page goes through them twice (a list of labels, then every article),
    and holds only the one it is at: a digest that keeps its briefs packed
    (``AssembledDigest``) has one unpacked at a time.
    """

    def __init__(
        self, articles: Sequence[Any], citations: dict[str, list[Cited]], back: dict[int, list[Statement]]
    ) -> None:
        self._articles, self._citations, self._back = articles, citations, back

    def __len__(self) -> int:
        return len(self._articles)

    def __getitem__(self, i: int) -> _ArticlePane:  # type: ignore[override]
        a = self._articles[i]
        return _ArticlePane(a, self._citations.get(a.label, []), self._back)


class _ArticlePane:
    """One article of the digest page; its brief is read (once) when the page shows more than the label."""

    def __init__(self, a: Any, citations: Sequence[Cited], back: dict[int, list[Statement]]) -> None:
        self.label, self.title, self.addresses = a.label, a.title, a.addresses
        self._source, self._citations, self._back = a, citations, back

    @cached_property
    def _brief(self) -> Brief:
        return self._source.brief  # unpacked once per pane when the digest keeps briefs packed

    @property
    def web(self) -> str | None:
        return web_link(self._brief.article)

    @property
    def text(self) -> Markup:
        article = self._brief.article
        return article_pane(article.text, self._citations, self._back, article)

    @property
    def dropped(self) -> list[Any]:
        return dropped_items(self._brief.dropped)

    @property
    def meta(self) -> Any:
        return self._brief.meta


def also_note(articles: list[str], backers: list[str]) -> str:
    """Which reports carry a digest fact: those whose spans pass its checks, then the others it cites."""
    others = [a for a in articles if a not in backers]
    note = f"Corroborated by {len(backers)} sources: {', '.join(backers)}" if len(backers) > 1 else ""
    if others and len(articles) > 1:
        note += ("; also in " if note else "Also in ") + f"{', '.join(others)}, in words that differ"
    return note
