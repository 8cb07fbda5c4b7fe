"""What a destination receives of a written day: an e-mail, a chat message or a JSON summary.

* **E-mail**: one HTML digest (``templates/deliver/email.html.j2``) with its
  CSS inlined by css-inline and no script; Apprise sends it as a multipart
  message with a text part made from it. Each citation marker links to the
  day's evidence view when the config has ``publish_url``; otherwise the
  quotes travel with the message and each marker links to its quote in it.
  Subject: "<digest name> — <day>: N stories".
* **Chat**: the overview lines, one per story with its markers, and a link to
  the day's page (``templates/deliver/chat.md.j2``).
* **JSON** (``json://``): the day's summary: stories, their sources and quotes.

A destination with ``include`` / ``exclude`` gets only the stories one of
whose articles passes them. A message over the service's limit keeps as many
stories as fit (found by bisection) and ends with a note saying how many were
left out and where to read them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from ..output.render import md_escape, sentence
from ..resources import resource_dir
from ..sources.base import Filters, Item
from .destinations import Destination
from .model import Digest, DigestCitation, Story

FORMATS = {"email": "html", "chat": "markdown", "json": "text"}


@dataclass(frozen=True)
class Links:
    day_url: str | None  # the day's evidence view, when the folder is published
    read_at: str  # where the whole digest is read: day_url, else the DAY.html file


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    body_format: str  # Apprise's: "html", "markdown" or "text"
    stories: int  # stories in the message
    left_out: int  # stories cut to stay under the limit

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(f"{self.body_format}\n{self.subject}\n{self.body}".encode()).hexdigest()


def stories_for(digest: Digest, destination: Destination) -> list[Story]:
    """The stories ``destination`` gets: all, or those with an article that passes its filters."""
    if not destination.include and not destination.exclude:
        return list(digest.stories)
    filters = Filters(include=tuple(destination.include), exclude=tuple(destination.exclude))
    passing = {
        a.label
        for a in digest.articles
        if filters.reason_to_skip(
            Item(a.brief.article.model_copy(update={"title": a.title}), a.label, a.origin)
        )
        is None
    }
    return [s for s in digest.stories if passing.intersection(s.articles)]


def compose(digest: Digest, stories: list[Story], kind: str, limit: int, links: Links) -> Message:
    """The message of ``kind`` with as many of ``stories`` as fit in ``limit`` characters."""
    total = len(stories)
    subject = f"{digest.name} — {digest.date}: {total} {'story' if total == 1 else 'stories'}"
    render = _RENDERERS[kind]

    def body(n: int) -> str:
        return render(digest, stories[:n], total - n, subject, limit, links)

    low, high = 0, 1  # the largest n whose body fits: double n until it does not, then bisect
    while high <= total and _size(body(high)) <= limit:
        low, high = high, min(2 * high, total + 1) if high < total else total + 1
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if _size(body(mid)) <= limit else (low, mid)
    return Message(subject, body(low), FORMATS[kind], low, total - low)


def _size(body: str) -> int:
    """Characters as sent: mail (and some services) turn each line end into CR LF."""
    return len(body) + body.count("\n")


def _email(
    digest: Digest, stories: list[Story], left_out: int, subject: str, limit: int, links: Links
) -> str:
    import css_inline

    cited, labels, by_id = _cited(digest, stories)
    html = _template("email.html.j2").render(
        **_common(digest, stories, left_out, subject, limit, links),
        marker=lambda c: f"{links.day_url}#c{c}" if links.day_url else f"#c{c}",
        citations=[by_id[c] for c in cited],
        sources=[_source(a) for a in digest.articles if a.label in labels],
    )
    return css_inline.inline(html, load_remote_stylesheets=False)


def _chat(digest: Digest, stories: list[Story], left_out: int, subject: str, limit: int, links: Links) -> str:
    return _template("chat.md.j2").render(
        **_common(digest, stories, left_out, subject, limit, links),
        marker=lambda c: f"[[{c}]]({links.day_url}#c{c})" if links.day_url else f"[{c}]",
    )


def _json(digest: Digest, stories: list[Story], left_out: int, subject: str, limit: int, links: Links) -> str:
    cited, labels, by_id = _cited(digest, stories)
    summary: dict[str, Any] = {
        "name": digest.name,
        "date": digest.date,
        "url": links.day_url,
        "stories": [s.model_dump(mode="json") for s in stories],
        "articles": [
            {"label": a.label, "title": a.title, "addresses": a.addresses}
            for a in digest.articles
            if a.label in labels
        ],
        "citations": [{"id": c, "article": by_id[c].article, "quote": by_id[c].span.text} for c in cited],
        "left_out_stories": left_out,
    }
    if left_out:
        summary["note"] = (
            f"{left_out} more stories were left out to stay under {limit} characters; read them all at {links.read_at}"
        )
    return json.dumps(summary, ensure_ascii=False)


def _cited(digest: Digest, stories: list[Story]) -> tuple[list[int], set[str], dict[int, DigestCitation]]:
    """The citation ids the stories cite, the labels of their articles and of the cited ones, citations by id."""
    by_id = {c.id: c for c in digest.citations}
    cited = sorted({c for s in stories for f in s.facts for c in f.citations})
    return cited, {label for s in stories for label in s.articles} | {by_id[c].article for c in cited}, by_id


def _common(
    digest: Digest, stories: list[Story], left_out: int, subject: str, limit: int, links: Links
) -> dict[str, Any]:
    articles = {a.label: a for a in digest.articles}
    return dict(
        name=digest.name, date=digest.date, subject=subject, total=len(stories) + left_out, stories=stories,
        articles=articles, left_out=left_out, limit_text=f"{limit:,}", day_url=links.day_url, read_at=links.read_at,
    )  # fmt: skip


def _source(article: Any) -> dict[str, str]:
    link = next((u for u in article.addresses if u.startswith(("http://", "https://"))), "")
    return {"label": article.label, "title": article.title, "link": link}


_RENDERERS: dict[str, Callable[..., str]] = {"email": _email, "chat": _chat, "json": _json}


@cache
def _template(name: str) -> Any:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(resource_dir("templates") / "deliver")),
        undefined=StrictUndefined,
        autoescape=name.endswith(".html.j2"),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(sentence=sentence, md=md_escape)
    return env.get_template(name)
