from __future__ import annotations

import pytest

from briefer.brief.chunking import TINY_TAIL, chunk_text, estimate_tokens, sentence_spans, split_long

TEXTS = {
    "example": open(
        __file__.replace("tests/test_chunking.py", "examples/kim-putin-summit.txt"), encoding="utf-8"
    ).read(),
    "crlf": "First line here.\r\nSecond sentence. Third one!\r\n\r\nNew paragraph? Yes.\r\n",
    "cjk": "東京で会議が開かれた。首相は演説した。経済について話した。\n次の段落です。",
    "emoji": "Prices rose 🚀 fast. Markets 📉 fell later.  Traders 😀 laughed.\n",
    "rtl": "שלום עולם. זה משפט שני.\nمرحبا بالعالم. هذه جملة ثانية.",
    "no_punctuation": "a long run of words without any sentence ending " * 40,
    "leading_ws": "\n\n   Title\n\nBody sentence one. Body two.   \n\n",
}


def assert_tiles(text, chunks):
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for a, b in zip(chunks, chunks[1:]):
        assert a.end == b.start
    for c in chunks:
        assert c.text == text[c.start : c.end]


@pytest.mark.parametrize("name", sorted(TEXTS))
@pytest.mark.parametrize("budget", [16, 64, 1024])
def test_chunks_tile_the_text_exactly(name, budget):
    text = TEXTS[name]
    chunks = chunk_text(text, budget)
    assert_tiles(text, chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_sentences_tile_each_text(name):
    text = TEXTS[name]
    spans = sentence_spans(text)
    assert "".join(text[s:e] for s, e in spans) == text
    assert all(e > s for s, e in spans)


def test_chunks_respect_the_budget_and_keep_sentences_whole():
    text = TEXTS["example"]
    chunks = chunk_text(text, 120)
    assert len(chunks) > 2
    assert all(estimate_tokens(c.text) <= 120 for c in chunks[:-1])
    assert estimate_tokens(chunks[-1].text) <= 120 * (1 + TINY_TAIL)
    sentence_starts = {s for s, _ in sentence_spans(text)}
    assert all(c.start in sentence_starts for c in chunks)


def test_whole_example_fits_one_default_chunk():
    assert len(chunk_text(TEXTS["example"])) == 1


def test_long_sentence_is_split_at_a_clause_boundary():
    sentence = ", ".join(f"clause number {i} talks about ports and trade" for i in range(30)) + "."
    pieces = split_long(sentence, 0, len(sentence), 40)
    assert len(pieces) > 1
    assert pieces[0][0] == 0 and pieces[-1][1] == len(sentence)
    for (_, end), (start, _) in zip(pieces, pieces[1:]):
        assert end == start
        assert sentence[end - 2 : end] == ", "


def test_unbreakable_text_is_still_cut_within_budget():
    blob = "x" * 2000
    chunks = chunk_text(blob, 50)
    assert_tiles(blob, chunks)
    assert all(estimate_tokens(c.text) <= 50 for c in chunks[:-1])
    assert estimate_tokens(chunks[-1].text) <= 50 * (1 + TINY_TAIL)


def test_a_tiny_last_chunk_joins_the_one_before():
    sentence = "The council met on Monday to discuss the harbour. "
    body = sentence * (120 // estimate_tokens(sentence))  # fills one chunk
    text = body + "It ended late, well after the talks."
    assert estimate_tokens(text) > 120
    chunks = chunk_text(text, 120)
    assert [c.text for c in chunks] == [text]
    bigger = body + "It ended late, after a long debate about the cost of dredging the eastern channel."
    assert chunk_text(bigger, 120)[-1].text.startswith("It ended late")  # over an eighth: its own chunk
