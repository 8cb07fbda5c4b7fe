"""Headings and the bottom line come from verified fields (attribution, numbers, the lead), not the model's label."""

from __future__ import annotations

from pathlib import Path

import pytest
from synthetic import plain_meta

from briefer.models import (
    Article,
    Attribution,
    Brief,
    Citation,
    Fact,
    Span,
)
from briefer.output.html import brief_sections
from briefer.output.render import render_markdown
from briefer.output.sections import (
    ANALYSIS,
    HAPPENED,
    NUMBERS,
    SAID,
    WHEN,
    bottom_line,
    heading_of,
    holds_number,
    is_view,
    sectioned,
)

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Harbour town to get a new bridge"
TEXT = (
    f"{TITLE}\n"
    "The Marden council approved a new road bridge over the harbour on Monday. "
    "Work starts in the second half of April, the council said. "
    "The bridge will cost 40 million euros. "
    "The old ferry first sailed in July 1961.\n"
    "Analysts said the town needs more visitors. "
    "Repairs to the quay could take six weeks.\n"
)
KCNA = Attribution(speaker="the council", named=True, cue="said")
ANALYSTS = Attribution(speaker="Analysts", cue="said")


def make_brief(facts: list[tuple[str, str, str, Attribution]], text: str = TEXT) -> Brief:
    """A verified brief: each fact ``(statement, kind, quote, attribution)`` cites its quote exactly."""
    citations, made = [], []
    for n, (statement, kind, quote, said) in enumerate(facts, 1):
        start = text.index(quote)
        citations.append(Citation(id=n, span=Span.of(text, start, start + len(quote)), match="exact"))
        made.append(Fact(claim=statement, statement=statement, kind=kind, citations=[n], attribution=said))
    article = Article(text=text, title=TITLE, source="harbour.txt")
    return Brief(article=article, facts=made, citations=citations, meta=plain_meta())


LEAD = ("The council approved a new bridge on Monday.", "event", "The Marden council approved", Attribution())
DATE_SAID = (
    "The council says work starts in the second half of April.",
    "number",
    "Work starts in the second half of April, the council said.",
    KCNA,
)
COST = (
    "The bridge will cost 40 million euros.",
    "number",
    "The bridge will cost 40 million euros.",
    Attribution(),
)
FERRY = ("The old ferry first sailed in July 1961.", "statement", "The old ferry first sailed", Attribution())
VIEW = ("Analysts say the town needs more visitors.", "event", "Analysts said the town needs", ANALYSTS)
HEDGED = (
    "Repairs to the quay could take six weeks.",
    "event",
    "Repairs to the quay could take six weeks.",
    Attribution(hedges=["could"]),
)


def headings(brief: Brief) -> dict[str, str]:
    return {f.statement: heading_of(f) for f in brief.facts}


def test_what_was_said_holds_reported_speech_only():
    found = headings(make_brief([DATE_SAID, FERRY]))
    assert found[DATE_SAID[0]] == SAID
    assert found[FERRY[0]] != SAID  # labelled "statement", but the article says it in its own voice


@pytest.mark.parametrize(
    "text, number",
    [
        ("Kim will visit Russia in the second half of April.", False),
        ("Putin visited North Korea in July 2000.", False),
        ("The bridge, opened in 1961, was last renovated in 2009.", False),
        ("The strike starts on 27 November at 4 a.m.", False),
        ("Around 18,000 vehicles cross the bridge on a normal weekday.", True),
        ("Repairs could take at least six weeks.", True),
        ("The union wants 9 percent over two years from May 2027.", True),
        ("2000 vehicles crossed the bridge in 2019.", True),
    ],
)
def test_a_number_is_one_other_than_a_date(text, number):
    assert holds_number(text) is number


def test_numbers_hold_a_figure_and_a_date_only_statement_goes_elsewhere():
    found = headings(make_brief([DATE_SAID, COST]))
    assert found[COST[0]] == NUMBERS
    assert found[DATE_SAID[0]] == SAID
    dated = make_brief([("The ferry first sailed in July 1961.", "number", "The old ferry", Attribution())])
    assert headings(dated) == {"The ferry first sailed in July 1961.": WHEN}


def test_views_are_analysis_never_what_happened():
    brief = make_brief([LEAD, VIEW, HEDGED])
    found = headings(brief)
    assert found[LEAD[0]] == HAPPENED
    assert found[VIEW[0]] == ANALYSIS and found[HEDGED[0]] == ANALYSIS
    shelf = next(s for s in sectioned(brief.facts) if s["heading"] == HAPPENED)
    assert [f.statement for f in shelf["facts"]] == [LEAD[0]]


def test_a_view_is_told_by_the_speaker_the_cue_or_the_statement():
    expert = Attribution(
        speaker="Shin", role="senior fellow at an institute", named=True, cue="said", direct=True
    )
    official = Attribution(speaker="Mayor Ruth Ambrose", named=True, cue="said", hedges=["could"])

    def make(statement, said):
        return Fact(claim=statement, statement=statement, kind="event", citations=[1], attribution=said)

    assert is_view(make("Shin says the visit is leverage.", expert))
    assert is_view(make("The minister argued the plan works.", Attribution(speaker="minister", cue="argued")))
    assert is_view(make("Experts say prices will fall.", Attribution()))
    assert not is_view(make("The mayor says repairs could take weeks.", official))  # her words, with her name
    assert not is_view(make("Nordlit plans to invest 420 million euros.", Attribution(hedges=["plans to"])))
    assert not is_view(make("The council's own estimate puts the cost at 410 million euros.", Attribution()))
    assert is_view(make("The mayor estimated the repair work at six weeks.", Attribution()))


def test_the_bottom_line_starts_from_the_lead_and_never_holds_a_view():
    brief = make_brief([VIEW, COST, HEDGED, LEAD, DATE_SAID])
    facts, cited = bottom_line(brief)
    assert cited and [f.statement for f in facts] == [LEAD[0], DATE_SAID[0]]
    markdown = render_markdown(brief)
    line = markdown.split("## Bottom line\n\n", 1)[1].split("\n", 1)[0]
    assert line.startswith("The council approved a new bridge on Monday. [4]")
    assert "Analysts" not in line and "could" not in line


def test_a_headline_is_not_the_lead_but_comes_before_later_sentences():
    headline = ("A new bridge for the harbour town.", "event", TITLE, Attribution())
    facts, cited = bottom_line(make_brief([COST, headline]))
    assert not cited  # nothing states the first sentence
    assert [f.statement for f in facts] == [headline[0], COST[0]]  # the headline restates it
    assert "No verified statement states the article's lead" in render_markdown(make_brief([COST, headline]))


def test_a_byline_is_not_the_lead():
    text = TEXT.replace(f"{TITLE}\n", f"{TITLE}\nBy Ann Lee\n")
    facts, cited = bottom_line(make_brief([COST, LEAD], text))
    assert cited and facts[0].statement == LEAD[0]


def test_without_a_lead_fact_the_bottom_line_says_so():
    brief = make_brief([FERRY, VIEW])
    facts, cited = bottom_line(brief)
    assert not cited and [f.statement for f in facts] == [FERRY[0]]
    markdown = render_markdown(brief)
    assert "No verified statement states the article's lead" in markdown
    only_views = render_markdown(make_brief([VIEW, HEDGED]))
    assert "Every verified statement of this article is a view or an analysis" in only_views


def test_the_html_page_uses_the_same_headings():
    brief = make_brief([LEAD, DATE_SAID, COST, FERRY, VIEW])
    page = [(s["heading"], [f["statement"] for f in s["facts"]]) for s in brief_sections(brief)]
    markdown = [(s["heading"], [f.statement for f in s["facts"]]) for s in sectioned(brief.facts)]
    assert page == markdown


def test_the_committed_example_keeps_every_heading_honest():
    brief = Brief.model_validate_json((ROOT / "examples" / "kim-putin-summit.brief.json").read_text("utf-8"))
    for section in sectioned(brief.facts):
        for f in section["facts"]:
            if section["heading"] == SAID:
                assert f.attribution.reported, f.statement
            if section["heading"] == NUMBERS:
                assert holds_number(f.statement), f.statement
            if section["heading"] == HAPPENED:
                assert not is_view(f), f.statement
    facts, cited = bottom_line(brief)
    assert cited and not any(is_view(f) for f in facts)
