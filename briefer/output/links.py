"""Links from a citation back to its source, opened at the quoted passage.

A reader who doubts a statement should reach the words it cites in one click.
For a web article that is a URL with a text fragment (the WICG Text Fragments
spec, ``URL#:~:text=start,end``): browsers that support it scroll to the
passage and highlight it; the others just open the page. For a local file a
``file:`` link does the same, but only when asked (``--link-files``), since it
names a path on the machine that made the brief.

Escaping happens twice and in this order: the quote is percent-encoded for
the fragment (``-``, ``&`` and ``,`` are the directive's syntax, so everything
but the unreserved characters is encoded), then the whole URL is made safe as
a Markdown link destination (no spaces, parentheses, angle brackets, backticks
or entity references that a Markdown reader would interpret).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import pass_context
from markupsafe import Markup

from ..models import Article, Citation

SHORT_QUOTE_WORDS = 8  # a quote of up to this many words is the whole textStart
EDGE_WORDS = 4  # a longer quote becomes textStart,textEnd of this many words each
_MARKDOWN_UNSAFE = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C", "`": "%60"}
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_WEB = ("http", "https")


def encode_fragment_text(text: str) -> str:
    """Percent-encode one text-fragment term: everything but ``A-Z a-z 0-9 . _ ~`` (``-`` is syntax)."""
    return quote(text, safe="").replace("-", "%2D")


def text_directive(quote_text: str) -> str:
    """``text=…`` for a quote: the whole quote when short, else its first and last few words.

    Whitespace is folded, as a browser folds it when it renders the page; a
    long quote is matched by its edges, so a line break or a reworded middle
    on the page does not lose the match, and the URL stays short.
    """
    words = quote_text.split()
    if len(words) <= SHORT_QUOTE_WORDS:
        return "text=" + encode_fragment_text(" ".join(words))
    start, end = " ".join(words[:EDGE_WORDS]), " ".join(words[-EDGE_WORDS:])
    return f"text={encode_fragment_text(start)},{encode_fragment_text(end)}"


def passage_url(url: str, quote_text: str) -> str:
    """``url`` opened at ``quote_text`` (any fragment the URL had is replaced)."""
    return f"{url.split('#', 1)[0]}#:~:{text_directive(quote_text)}"


WIDEN_AT_MOST = 64  # characters each way: no real word is longer, and a hostile one costs no more


def whole_words(text: str, start: int, end: int) -> str:
    """``text[start:end]`` widened to whole words: a text fragment only matches at word boundaries."""
    low, high = max(0, start - WIDEN_AT_MOST), min(len(text), end + WIDEN_AT_MOST)
    while start > low and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < high and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return text[start:end]


def markdown_url(url: str) -> str:
    """``url`` as a Markdown link destination that no Markdown reader can cut short or reinterpret."""
    out = []
    for ch in url:
        if ch in _MARKDOWN_UNSAFE:
            out.append(_MARKDOWN_UNSAFE[ch])
        elif not " " < ch <= "~":
            out.append(quote(ch, safe=""))
        else:
            out.append(ch)
    return _ENTITY.sub(r"\\&", "".join(out))


def source_base(article: Article, link_files: bool = False) -> str | None:
    """Where the article can be opened: its http(s) URL, or its file when ``link_files``; else None."""
    if article.url and urlsplit(article.url).scheme.lower() in _WEB:
        return article.url
    source = article.source
    if link_files and source and source != "-" and "://" not in source and Path(source).is_file():
        return Path(source).resolve().as_uri()
    return None


def citation_url(article: Article, citation: Citation, link_files: bool = False) -> str | None:
    """The URL that opens ``article`` at ``citation``'s passage, or None when it cannot be opened."""
    base = source_base(article, link_files)
    if base is None:
        return None
    span = citation.span
    return passage_url(base, whole_words(article.text, span.start, span.end))


@pass_context
def source_url(context: Any, citation: Citation) -> Markup | str:
    """Template filter: the Markdown-safe link destination of ``citation``, or "" when there is none.

    Reads ``article`` and the optional ``link_files`` flag from the template's
    context, so a template only writes ``{{ c | source_url }}``.
    """
    url = citation_url(context["article"], citation, bool(context.get("link_files")))
    return Markup(markdown_url(url)) if url else ""
