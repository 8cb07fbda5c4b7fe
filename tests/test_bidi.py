"""Bidi controls from an article (U+202E, U+2067, …) stay inside the text they came with.

An unclosed RIGHT-TO-LEFT OVERRIDE in a quote must not reorder the citation
markers, the character range or the next quote. HTML isolates such text in
``<bdi>``; plain text (Markdown, ``title=`` attributes) between FSI and PDI.
Text without controls renders as before.
"""

from __future__ import annotations

import re

import pytest
from test_html import Page

from briefer import brief_article
from briefer.models import Article
from briefer.output.bidi import FSI, PDI, isolate_html, isolate_text
from briefer.output.formats import render
from briefer.testing import FakeBackend, fact

RLO, RLI, PDF = "\u202e", "\u2067", "\u202c"
TEXT = (
    "Council delays the vote\n\n"
    f"The council delayed the harbour vote {RLO}until May after a long debate. "
    f"Officials said the budget was {RLI}too small for the work. "
    "The mayor will speak on Monday.\n"
)


@pytest.fixture(scope="module")
def brief():
    facts = [
        fact("The council delayed the harbour vote.", f"The council delayed the harbour vote {RLO}until May"),
        fact("The budget was too small.", f"Officials said the budget was {RLI}too small for the work"),
        fact(f"The mayor {RLO}will speak.", "The mayor will speak on Monday"),
    ]
    dropped = fact("The vote was cancelled.", f"the vote was {RLO}cancelled")
    backend = FakeBackend({"facts": facts + [dropped]}, {"facts": []})
    return brief_article(Article(text=TEXT, title="Council delays the vote", source="x.txt"), backend)


def test_the_markdown_sources_isolate_each_quote_before_its_range(brief):
    markdown = render(brief, fmt="md")
    sources = [line for line in markdown.splitlines() if line.startswith("- **[")]
    assert sources and all(RLO not in line or f"“{FSI}" in line for line in sources), sources
    for line in sources:
        if RLO in line or RLI in line:
            assert re.search(f"“{FSI}[^“”]*{PDI}+” \\(characters \\d+–\\d+", line), line


def test_a_statement_with_a_control_is_isolated_in_markdown(brief):
    line = next(line for line in render(brief, fmt="md").splitlines() if "mayor" in line and "[" in line)
    assert FSI in line and line.index(PDI) < line.index(" [")  # the markers come after the isolate


class Pane(Page):
    """Also notes, for each run of article text, whether it sits inside a ``<bdi>``."""

    def __init__(self, html: str):
        self.runs: list[tuple[str, bool]] = []
        super().__init__(html)

    def handle_data(self, data):
        super().handle_data(data)
        classes = [c for _, c in self.stack]
        if "text" in classes and "pop" not in classes:
            self.runs.append((data, any(tag == "bdi" for tag, _ in self.stack)))


def test_the_html_pane_isolates_every_piece_holding_a_control(brief):
    pane = Pane(render(brief, fmt="html"))
    controls = [(run, inside) for run, inside in pane.runs if re.search("[\u202a-\u202e\u2066-\u2069]", run)]
    assert len(controls) >= 2 and all(inside for _, inside in controls), controls
    shown = "".join(pane.text)  # the text, plus one PDI closing the RLI the article leaves open
    assert shown.replace(PDI, "") == TEXT and shown.count(PDI) == 1


def test_title_attributes_and_back_links_isolate_statements(brief):
    html = render(brief, fmt="html")
    titles = re.findall(r'title="([^"]*cited by:[^"]*)"', html)
    mayor = [t for t in titles if "mayor" in t]
    assert mayor and all(f"{FSI}The mayor {RLO}will speak.{PDI}" in t for t in mayor)
    assert '<span class="st"><bdi>The mayor \u202ewill speak.</bdi></span>' in html
    assert re.search(r'<a href="#s\d+"><bdi>The mayor \u202ewill speak.</bdi></a>', html)


def test_dropped_quotes_are_isolated_in_html(brief):
    html = render(brief, fmt="html")
    assert f"<q><bdi>the vote was {RLO}cancelled</bdi></q>" in html


def test_text_without_controls_is_unchanged():
    assert isolate_text("Kim \u05e9\u05dc\u05d5\u05dd said.") == "Kim \u05e9\u05dc\u05d5\u05dd said."
    assert str(isolate_html("a <b> & c")) == "a &lt;b&gt; &amp; c"


def matching_pdi(text: str, opener: int) -> int | None:
    """UAX #9 BD9: the index of the PDI that closes the isolate initiator at ``opener``."""
    depth = 0
    for i in range(opener + 1, len(text)):
        if text[i] in "\u2066\u2067\u2068":
            depth += 1
        elif text[i] == PDI:
            if depth == 0:
                return i
            depth -= 1
    return None


@pytest.mark.parametrize(
    "text",
    [
        f"{RLO}evil",
        f"{PDI}{RLO}evil",
        f"{PDI}{PDI}{RLI}x",
        f"{RLI}{RLI}a{PDI}",
        f"a{PDF}{PDF}{PDI}b{RLI}",
        RLI * 5,
    ],
)
def test_the_isolate_closes_at_its_own_pdi_whatever_the_text_holds(text):
    isolated = isolate_text(text)
    assert isolated.replace(FSI, "").replace(PDI, "") == text.replace(FSI, "").replace(PDI, "")
    assert (
        matching_pdi(isolated, 0) == len(isolated) - 1
    )  # nothing in the text closes it early or leaves it open
