"""The evidence view: one self-contained HTML page with the brief beside the article it cites.

Every cited span is highlighted in the article text (``<mark id="c3">``,
coloured by match tier), every citation marker links to its span, and every
span links back to the statements that cite it, so a reader can check each
statement against the source in one click. The page needs no network (inline
CSS, a Content-Security-Policy that forbids every load) and works with
JavaScript off; its one small script only re-opens a collapsed article when a
link points into it.

Article text is hostile input. Everything is escaped: the page templates run
with autoescaping in a sandbox, and the article pane is built here with
:func:`markupsafe.escape` on every piece. Offsets are Python string indices,
so the text is cut at every span boundary (spans may overlap or nest); the
pieces always concatenate to the article text exactly. A piece holding bidi
controls is isolated in ``<bdi>`` (:mod:`briefer.output.bidi`), with a
U+2068/U+2069 added where the article leaves an isolate open or closes one
it never opened: the only characters the pane adds.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..models import Article, Brief, Fact
from ..resources import resource_dir
from .bidi import isolate_html, isolate_text
from .files import one_final_newline
from .links import citation_url, source_base
from .render import translation_note
from .sections import bottom_line, sectioned

TIERS = ("exact", "normalized", "fuzzy")
# Opens the <details> holding a link's target (browsers differ in doing so themselves).
SCRIPT = (
    "function reveal(){var t=location.hash&&document.getElementById(decodeURIComponent(location.hash.slice(1)));"
    'for(;t;t=t.parentElement){if(t.tagName==="DETAILS"){t.open=true;}}}'
    'window.addEventListener("hashchange",reveal);reveal();'
)


class Cited(Protocol):
    """A citation of a brief or a digest: an id, a span and a match tier."""

    id: int
    match: str

    @property
    def span(self) -> Any: ...


@dataclass(frozen=True)
class Piece:
    """``text[start:end]``, covered by the citations ``ids`` (none: plain text)."""

    start: int
    end: int
    ids: tuple[int, ...]


@dataclass(frozen=True)
class Statement:
    """A statement as the article pane links back to it: its anchor and its text."""

    anchor: str
    text: str


def pieces(text: str, spans: Iterable[tuple[int, int, int]]) -> list[Piece]:
    """Cut ``text`` at every boundary of the ``(id, start, end)`` spans; each piece lists the spans covering it.

    Overlapping and nested spans need no special case: between two adjacent
    boundaries the set of covering spans is constant. Concatenating the
    pieces' text gives ``text`` back exactly.
    """
    spans = [(cid, max(0, s), min(len(text), e)) for cid, s, e in spans]
    bounds = sorted({0, len(text)} | {s for _, s, _ in spans} | {e for _, _, e in spans})
    out = []
    for a, b in zip(bounds, bounds[1:]):
        if a < b:
            out.append(Piece(a, b, tuple(sorted(cid for cid, s, e in spans if s <= a and b <= e))))
    return out


def article_pane(
    text: str,
    citations: Sequence[Cited],
    cited_by: dict[int, list[Statement]],
    article: Article | None = None,
) -> Markup:
    """The article text as HTML: plain escaped text, with a ``<mark>`` per piece that citations cover."""
    by_id = {c.id: c for c in citations}
    parts = []
    for piece in pieces(text, ((c.id, c.span.start, c.span.end) for c in citations)):
        chunk = isolate_html(text[piece.start : piece.end])  # an unclosed U+202E stays in its piece
        parts.append(_mark(piece, chunk, by_id, cited_by, article) if piece.ids else chunk)
    return Markup("").join(parts)


def _mark(
    piece: Piece, chunk: Markup, by_id: dict[int, Cited], cited_by: dict[int, list[Statement]], article
) -> Markup:
    """One covered piece: anchors for the citations that start here, its tier colour, and the back-links."""
    covering = sorted((by_id[i] for i in piece.ids), key=lambda c: (c.span.end - c.span.start, c.id))
    starting = sorted((c for c in covering if c.span.start == piece.start), key=lambda c: c.id)
    anchors = Markup("").join(
        Markup('<span class="anchor" id="c{}"></span>').format(c.id) for c in starting[1:]
    )
    ident = Markup(' id="c{}"').format(starting[0].id) if starting else Markup("")
    classes = covering[0].match + (" many" if len(covering) > 1 else "")
    statements = list(dict.fromkeys(s for i in piece.ids for s in cited_by.get(i, [])))
    says = " | ".join(isolate_text(s.text) for s in statements)
    title = "; ".join(f"[{i}]" for i in piece.ids) + " cited by: " + says
    links = Markup("").join(
        Markup('<a href="#{}">{}</a>').format(s.anchor, isolate_html(s.text)) for s in statements
    ) or Markup("<i>no statement</i>")
    pop = Markup('<span class="pop"><b>{}</b>{}{}</span>').format(
        " ".join(f"[{i}]" for i in piece.ids), links, _original(piece, by_id, article)
    )
    return Markup('{}<mark{} class="{}" data-c="{}" title="{}" tabindex="0">{}{}</mark>').format(
        anchors, ident, classes, " ".join(map(str, piece.ids)), title, chunk, pop
    )


def _original(piece: Piece, by_id: dict[int, Cited], article: Article | None) -> Markup:
    """A link to the passage on the original web page, when the article has a URL."""
    if article is None or source_base(article) is None:
        return Markup("")
    first = by_id[piece.ids[0]]
    url = citation_url(article, first)  # type: ignore[arg-type]
    return Markup('<a class="orig" href="{}" rel="noreferrer">open [{}] on the original page ↗</a>').format(
        url, first.id
    )


def fact_item(fact: Fact | Any, anchor: str, tiers: dict[int, str]) -> dict[str, Any]:
    """What the page shows of one statement: its text, its markers and, for reported speech, who says it."""
    attribution = getattr(fact, "attribution", None)
    reported = bool(attribution and attribution.reported)
    text = fact.statement or fact.claim
    return {
        "anchor": anchor,
        "statement": isolate_html(text),
        "text": text,
        "cites": [{"id": i, "match": tiers.get(i, "exact")} for i in fact.citations],
        "reported": reported,
        "speaker": attribution.speaker if reported else None,
        "role": attribution.role if reported else None,
        "cue": attribution.cue if reported else None,
        "direct": bool(reported and attribution.direct),
        "speaker_cite": attribution.speaker_citation if reported else None,
        "hedges": list(attribution.hedges) if attribution else [],
        "also": "",
    }


def cited_by(items: Iterable[dict[str, Any]]) -> dict[int, list[Statement]]:
    """Citation id -> the statements citing it, in page order (the back-links of each mark)."""
    back: dict[int, list[Statement]] = {}
    for item in items:
        for cite in item["cites"]:
            back.setdefault(cite["id"], []).append(Statement(item["anchor"], item["text"]))
    return back


def dropped_items(dropped: Iterable[Any]) -> list[dict[str, Any]]:
    """The dropped facts as the page shows them: claim and quotes isolated (see :mod:`.bidi`)."""
    return [
        {"claim": isolate_html(d.claim), "quotes": [isolate_html(q) for q in d.quotes], "reason": d.reason}
        | {"times": d.times}
        for d in dropped
    ]


def brief_sections(brief: Brief) -> list[dict[str, Any]]:
    """The brief's facts under the Markdown brief's section headings, numbered s1, s2 … in brief order."""
    tiers = {c.id: c.match for c in brief.citations}
    items = {id(f): fact_item(f, f"s{n}", tiers) for n, f in enumerate(brief.facts, 1)}
    return sectioned(brief.facts, lambda f: items[id(f)])


def page_basics(title: str) -> dict[str, Any]:
    """What every page shares: title, tier legend, the script and the policy that allows only it."""
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    return {
        "title": title,
        "tiers": TIERS,
        "script": Markup(SCRIPT),
        "csp": f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
        "base-uri 'none'; form-action 'none'",
    }


def web_link(article: Article) -> str | None:
    """The article's own http(s) address, for the page header (never a ``javascript:`` or other URL)."""
    return source_base(article)


@cache
def environment() -> SandboxedEnvironment:
    """Autoescaping, strict, sandboxed: a template can neither print raw text nor reach Python internals."""
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(resource_dir("templates"))),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(template: str, values: dict[str, Any]) -> str:
    return "".join(page_chunks(template, values))


def page_chunks(template: str, values: dict[str, Any]) -> Iterator[str]:
    """The page as the template generates it: :func:`render_page`, chunk by chunk."""
    return one_final_newline(environment().get_template(template).generate(**values))


def render_html(brief: Brief, template: str = "brief", show_dropped: bool = False) -> str:
    """The evidence view of ``brief`` (dropped facts are always listed, collapsed; ``template`` is for Markdown)."""
    sections = brief_sections(brief)
    back = cited_by(item for s in sections for item in s["facts"])
    article = brief.article
    tiers = {c.id: c.match for c in brief.citations}
    lead, lead_cited = bottom_line(brief)
    return render_page(
        "brief.html.j2",
        {
            **page_basics(article.title or article.source or "Untitled article"),
            "article": article,
            "web": web_link(article),
            "sections": sections,
            "bottom_line": [fact_item(f, "", tiers) for f in lead],
            "lead_cited": lead_cited,
            "text": article_pane(article.text, brief.citations, back, article),
            "dropped": dropped_items(brief.dropped),
            "meta": brief.meta,
            "counts": brief.meta.counts,
            "translation": translation_note(brief.meta),
        },
    )
