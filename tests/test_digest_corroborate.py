"""A digest story merges repeated facts by meaning and counts a source as corroborating only when its spans pass."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT
from synthetic import verified_brief

from briefer.digest.assemble import assemble_digest, render_digest
from briefer.digest.assembled import PackedBrief
from briefer.digest.cluster import story_facts
from briefer.digest.corroborate import checked_facts, figures, same_figure, supports
from briefer.digest.identity import Unique
from briefer.digest.model import Digest, DigestFact
from briefer.models import Attribution
from briefer.output.digest_html import also_note, render_digest_html
from briefer.sources.base import Collection, Item

# The example digest as the embedded model wrote it in paraphrase mode (before quote mode became its
# default): its A4 brief says "The harbour office said ..." and its story repeated figures.
PARAPHRASED = ROOT / "tests" / "data" / "paraphrase-digest"
EXAMPLE = PARAPHRASED / "2026-11-27.json"


@pytest.fixture(scope="module")
def committed() -> Digest:
    return Digest.model_validate_json(EXAMPLE.read_text(encoding="utf-8"))


def reassembled(digest: Digest, render=render_digest) -> str:
    """The committed digest's briefs assembled and rendered again by this code."""
    uniques = [
        Unique(
            item=Item(article=a.brief.article, key=a.addresses[0], origin=a.origin),
            hash=a.label,
            brief_key=a.label,
            addresses=a.addresses,
            packed=PackedBrief.of(a.brief),
        )
        for a in digest.articles
    ]
    return render(assemble_digest(digest.name, digest.date, uniques, Collection(), []))


def bridge_story(markdown: str) -> str:
    return markdown.split("### 1. ", 1)[1].split("\n### 2. ", 1)[0]


def test_the_committed_digest_repeated_the_figures_this_code_merges(committed):
    old = bridge_story((PARAPHRASED / "2026-11-27.md").read_text(encoding="utf-8"))
    assert len(re.findall(r"18,000 vehicles", old)) == 2 and len(re.findall(r"six weeks", old)) == 2
    new = bridge_story(reassembled(committed))
    statements = [line for line in new.splitlines() if line.startswith("- ")]
    assert sum("18,000 vehicles" in s for s in statements) == 1
    assert sum("six weeks" in s for s in statements) == 1


def test_a_span_without_the_storm_or_the_office_does_not_corroborate(committed):
    new = bridge_story(reassembled(committed))
    storm = next(line for line in new.splitlines() if "closed after a storm" in line)
    assert "corroborated" not in storm and "also in A4, in words that differ" in storm
    six = next(line for line in new.splitlines() if "six weeks" in line)
    assert "_(corroborated by 2 sources: A1, A4)_" in six  # "six weeks or more" does carry it


def test_supports_is_the_word_checks_on_the_cited_spans():
    text = "The bridge closed after a storm, the transport office said. A crack was found in one pier."
    storm = "The transport office said the bridge closed after a storm."
    assert supports(storm, text, [(0, 59)])
    assert not supports(storm, text, [(60, len(text))])
    assert not supports(storm, text, [])


@pytest.mark.parametrize(
    "statement, found",
    [
        ("Around 18,000 vehicles cross the bridge on a normal weekday.", {("18000", "vehicl")}),
        ("Repairs could take at least six weeks, from 27 November 2026.", {("6", "week")}),
        ("Nordlit plans to invest 420 million euros.", {("420 million", "euro")}),
        ("Putin visited North Korea in July 2000.", set()),
    ],
)
def test_figures_are_numbers_with_what_they_count_never_dates(statement, found):
    assert figures(statement) == found


def test_a_shared_figure_merges_only_with_a_shared_subject():
    assert same_figure(
        "The office said around 18,000 vehicles cross the bridge each weekday.",
        "The 1961 bridge normally carries some 18,000 vehicles a day.",
    )
    assert not same_figure(
        "The ferry took 18,000 vehicles off the road last summer.",
        "The bridge carries some 18,000 vehicles a day.",
    )
    assert not same_figure("Repairs take six weeks.", "Repairs take seven weeks.")


def test_two_facts_of_one_report_never_merge_by_figure(committed):
    brief = next(a.brief for a in committed.articles if a.label == "A1")
    doubled = brief.model_copy(update={"facts": [*brief.facts, brief.facts[2]]})
    merged = checked_facts(story_facts([doubled]), [doubled])
    assert len(merged) == len(doubled.facts)


def test_digests_written_before_the_check_read_as_they_were():
    old = DigestFact(claim="c", kind="event", citations=[1], articles=["A1", "A2"], corroborated=True)
    assert old.backers == ["A1", "A2"] and "corroborated_by" not in old.model_dump_json()
    new = old.model_copy(update={"corroborated": False, "corroborated_by": ["A2"]})
    assert new.backers == ["A2"] and '"corroborated_by":["A2"]' in new.model_dump_json()


def test_a_view_is_never_a_storys_first_fact():
    text = "Analysts said the port may close. The port closed on Monday after a fire."
    brief = verified_brief(
        text,
        [
            ("Analysts say the port may close.", "Analysts said the port may close."),
            ("The port closed on Monday after a fire.", "The port closed on Monday after a fire."),
        ],
    )
    view = brief.facts[0].model_copy(update={"attribution": Attribution(speaker="Analysts", cue="said")})
    brief = brief.model_copy(update={"facts": [view, brief.facts[1]]})
    first = checked_facts(story_facts([brief]), [brief])[0]
    assert first.fact.statement == "The port closed on Monday after a fire."


def test_the_page_names_backers_and_the_reports_whose_words_differ(committed):
    page = reassembled(committed, render_digest_html)
    assert "Also in A4, in words that differ" in page and "Corroborated by 2 sources: A1, A4" in page
    assert (
        also_note(["A1", "A2", "A3"], ["A1", "A3"])
        == "Corroborated by 2 sources: A1, A3; also in A2, in words that differ"
    )
    assert also_note(["A1"], ["A1"]) == ""
