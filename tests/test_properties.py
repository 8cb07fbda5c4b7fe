"""Properties over arbitrary Unicode: chunks tile the text, and a grounded span is the text's own characters.

Hypothesis draws texts mixing NFC and NFD forms, CRLF, combining marks,
right-to-left scripts, astral characters (emoji), and quotes cut from them,
altered the way small models alter quotes (case, quote marks, whitespace).
"""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefer.brief.chunking import chunk_text, sentence_spans
from briefer.brief.grounding import ground_quote, ground_quote_parts

PIECES = st.sampled_from(
    [
        "The mayor said. ",
        "Café Zoë ",
        unicodedata.normalize("NFD", "Café Zoë "),
        "\r\n",
        "\n\n",
        "שלום עולם. ",
        "مرحبا بالعالم. ",
        "東京で会議が開かれた。",
        "🚀📉 ",
        "e\u0301\u0301 ",
        "“quoted,” she said. ",
        "It's 3.5% — up. ",
        "   ",
        "x",
    ]
)
TEXTS = st.one_of(
    st.lists(PIECES, min_size=1, max_size=40).map("".join),
    st.text(min_size=1, max_size=400),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXTS, st.integers(min_value=8, max_value=120))
def test_chunks_tile_any_text(text, budget):
    chunks = chunk_text(text, budget)
    assert "".join(c.text for c in chunks) == text
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert [c.start for c in chunks[1:]] == [c.end for c in chunks[:-1]]


@FAST
@given(TEXTS)
def test_sentences_tile_any_text(text):
    spans = sentence_spans(text)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))


def _altered(quote: str, how: int) -> str:
    if how == 1:
        return quote.upper()
    if how == 2:
        return quote.replace("'", "\u2019").replace('"', "\u201c")
    if how == 3:
        return " ".join(quote.split())
    if how == 4:
        return unicodedata.normalize("NFC" if unicodedata.is_normalized("NFD", quote) else "NFD", quote)
    return quote


@FAST
@given(TEXTS, st.data())
def test_grounding_returns_the_texts_own_characters_or_nothing(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    quote = _altered(text[start:end], data.draw(st.integers(0, 4)))
    for found in [ground_quote(text, quote), *ground_quote_parts(text, quote)]:
        if found is not None:
            span = found.span
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.text


@FAST
@given(TEXTS, st.data())
def test_an_exact_quote_of_eight_or_more_characters_is_found(text, data):
    start = data.draw(st.integers(0, max(0, len(text) - 8)))
    quote = text[start : start + data.draw(st.integers(8, 60))]
    if len(quote.strip().strip("\"'\u201c\u201d\u2018\u2019").strip()) < 8:
        return
    found = ground_quote(text, quote)
    assert found is not None and found.match in ("exact", "normalized")
    assert text[found.span.start : found.span.end] == found.span.text
