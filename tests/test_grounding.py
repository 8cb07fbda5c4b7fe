"""Planted-span oracles: each case names the exact interval the quote must map to."""

from __future__ import annotations

import pytest

from briefer.brief.grounding import ground_quote, ground_quote_parts
from briefer.text import NormalizedText

TEXT = (
    'Kim will visit Russia "in the second half of April,\u201d said KCNA.\r\n'
    "The upcoming visit will be Kim\u2019s first trip to Russia.\n"
    "Officials  met\tin   Vladivostok \u2014 a port city \U0001f6a2 on the coast.\n"
    "\u201cDefinitely North Korea is playing a game,\u201d said Shin Beom-chul.\n"
)


def planted(substring: str) -> tuple[int, int]:
    start = TEXT.index(substring)
    return start, start + len(substring)


@pytest.mark.parametrize(
    "quote, expected, tier",
    [
        (
            "The upcoming visit will be Kim\u2019s first trip",
            "The upcoming visit will be Kim\u2019s first trip",
            "exact",
        ),
        (
            "The upcoming visit will be Kim's first trip",
            "The upcoming visit will be Kim\u2019s first trip",
            "normalized",
        ),
        (
            "the UPCOMING visit will be kim's first trip",
            "The upcoming visit will be Kim\u2019s first trip",
            "normalized",
        ),
        (
            "Officials met in Vladivostok - a port city",
            "Officials  met\tin   Vladivostok \u2014 a port city",
            "normalized",
        ),
        ('"Definitely North Korea is playing a game,"', "Definitely North Korea is playing a game,", "exact"),
        ("a port city \U0001f6a2 on the coast", "a port city \U0001f6a2 on the coast", "exact"),
        (
            "The upcoming visit will be Kim's very first trip to Russia.",
            "The upcoming visit will be Kim\u2019s first trip to Russia.",
            "fuzzy",
        ),
    ],
)
def test_tiers_map_back_to_the_planted_interval(quote, expected, tier):
    found = ground_quote(TEXT, quote)
    assert found is not None
    assert found.match == tier
    if tier != "fuzzy":
        assert (found.span.start, found.span.end) == planted(expected)
    assert found.span.text == TEXT[found.span.start : found.span.end]
    if tier == "fuzzy":
        start, end = planted(expected)
        assert start <= found.span.start and found.span.end <= end + 1
        assert found.span.text.startswith("The upcoming visit") and found.score >= 90
        assert found.span.text.endswith("Russia.")


@pytest.mark.parametrize(
    "quote",
    [
        "Kim loves pizza and basketball very much indeed",
        "Putin will visit Pyongyang next year for talks",
        "The upcoming visit will be Putin's first trip to China.",
        "said",  # too short to prove anything
        "",
    ],
)
def test_quotes_not_in_the_text_are_rejected(quote):
    assert ground_quote(TEXT, quote) is None


def test_search_prefers_the_chunk_region():
    text = "Prices rose sharply today. " * 3
    second = (27, 54)
    found = ground_quote(text, "Prices rose sharply today.", region=second)
    assert (found.span.start, found.span.end) == (27, 53)


def test_outside_the_region_the_whole_article_is_searched():
    found = ground_quote(TEXT, "said Shin Beom-chul", region=(0, 20))
    assert found.span.text == "said Shin Beom-chul"


def test_ellipsis_quotes_are_grounded_part_by_part():
    parts = ground_quote_parts(TEXT, "Kim will visit Russia ... said Shin Beom-chul")
    assert [p.span.text for p in parts] == ["Kim will visit Russia", "said Shin Beom-chul"]


def test_crlf_offsets_are_original_offsets():
    found = ground_quote(TEXT, "said KCNA. The upcoming visit")
    assert found.match == "normalized"
    assert found.span.text == "said KCNA.\r\nThe upcoming visit"


def test_normalized_text_keeps_an_index_per_character():
    norm = NormalizedText("A\u2019b  \u2014C")
    assert norm.text == "a'b -c"
    assert [norm.index[i] for i in range(len(norm.text))] == [0, 1, 2, 3, 5, 6]


@pytest.mark.parametrize(
    "claim, evidence, missing",
    [
        (
            "President Trump visited North Korea in July 2000.",
            "Putin visited North Korea in July 2000",
            ["trump"],
        ),
        (
            "Around 18,000 vehicles crossed every twenty minutes.",
            "Around 18,000 vehicles cross the bridge on a normal weekday.",
            ["twenty"],
        ),
        (
            "Vladivostok is 680 km from Pyongyang.",
            "Vladivostok, which is only 680 kilometers by air from Pyongyang",
            [],
        ),
        (
            "Russian aid helped North Korea.",
            "Russia\u2019s aid has helped North Korea withstand sanctions",
            [],
        ),
        ("Kim Jong-Un will fly to Russia.", "Kim Jong-un will fly to Russia later this week", []),
        (
            "About 2300 staff want nine percent.",
            "about 2,300 rail staff, is asking for a pay rise of 9 percent",
            [],
        ),
        ("The strike lasts three days.", "a strike of 48 hours from Thursday", ["three"]),
    ],
)
def test_claims_must_not_name_what_their_quotes_do_not(claim, evidence, missing):
    from briefer.brief.support import unsupported_terms

    assert unsupported_terms(claim, evidence) == missing


def test_a_claim_about_something_else_than_its_quote_is_unsupported():
    from briefer.brief.support import unsupported_terms

    evidence = "Russia needs more access to North Korea's mineral resources, including rare metals."
    claim = "North Korea wants access to Russian electricity supplies and infrastructure investments."
    assert unsupported_terms(claim, evidence) == ["most of what the claim says (44% of its words found)"]
    assert unsupported_terms("Russia wants North Korea's rare metals.", evidence) == []


def test_an_nfc_quote_grounds_in_nfd_text_with_exact_offsets():
    import unicodedata

    text = unicodedata.normalize("NFD", "Le café de Zoë a fermé. La mairie a confirmé la décision lundi.")
    quote = unicodedata.normalize("NFC", "La mairie a confirmé la décision")
    found = ground_quote(text, quote)
    assert found is not None and found.match == "normalized"
    assert text[found.span.start : found.span.end] == found.span.text
    assert unicodedata.normalize("NFC", found.span.text) == quote
