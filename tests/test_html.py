"""The evidence view (--format html, DAY.html) and the links back to the source (text fragments)."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE
from markdown_it import MarkdownIt
from support import completion

from briefer import brief_article, load_article
from briefer.brief.extract import ExtractOptions
from briefer.cli.main import cli
from briefer.models import Article, Brief, Citation, Span
from briefer.output.formats import render
from briefer.output.html import SCRIPT, Statement, article_pane, pieces
from briefer.output.links import (
    citation_url,
    encode_fragment_text,
    markdown_url,
    passage_url,
    text_directive,
    whole_words,
)
from briefer.testing import FakeBackend, fact

SHIN = "Russia’s role is just giving political blessing to Kim Jong Un."
FACTS = [
    fact(
        "Kim Jong-un will fly to Russia later this week for a summit with Vladimir Putin.",
        "North Korean leader Kim Jong-un will fly to Russia later this week for his first ever summit",
    ),
    fact(
        "Kim and Putin will meet in Vladivostok, 680 kilometers from Pyongyang.",
        "Kim and Putin will meet at Russia's Asian city of Vladivostok, which is only 680 kilometers by air from Pyongyang",
        kind="place",
    ),
    fact("Putin visited North Korea in July 2000.", "Putin visited North Korea in July 2000", kind="date"),
    fact(
        "North Korea is playing a game.",
        "“Definitely North Korea is playing a game,” said Shin Beom-chul, senior fellow at the Asian Institute",
        kind="statement",
    ),
    fact("Russia is just giving political blessing to Kim Jong Un.", SHIN, kind="statement"),
    fact("Trump will visit Moscow in 1999.", "Trump visited Moscow"),
]
HOSTILE = (
    'Breaking <script>alert("x")</script> & "><img src=x onerror=alert(1)> </textarea>\r\n'
    "Caf\u0065\u0301 \U0001f600 emoji, \u05e9\u05dc\u05d5\u05dd RTL \u202eevil\u202c {{ 7*7 }} &amp; end\r\n"
)


def example_brief() -> Brief:
    """The example article briefed by a scripted model: events, a place, an attributed quote, a drop."""
    backend = FakeBackend({"facts": FACTS}, {"facts": []})
    return brief_article(
        load_article(str(EXAMPLE)), backend, options=ExtractOptions(max_reasks=1), max_chunk_tokens=4000
    )


@pytest.fixture(scope="module")
def brief() -> Brief:
    return example_brief()


class Page(HTMLParser):
    """What the tests look at in a page: ids, links, marks and their back-links, text outside pop-ups."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids, self.hrefs, self.tags, self.marks = set(), [], [], []
        self.text, self.stack, self.in_text = [], [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self.stack.append((tag, a.get("class", "")))
        if "id" in a:
            self.ids.add(a["id"])
        if "href" in a:
            self.hrefs.append(a["href"])
            if self.marks and any(t == "mark" for t, _ in self.stack):
                self.marks[-1]["links"].append(a["href"])
        if tag == "mark" and "data-c" in a:
            self.marks.append({**a, "links": []})

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        classes = [c for _, c in self.stack]
        if "text" in classes and "pop" not in classes:
            self.text.append(data)


def test_pieces_concatenate_to_the_text_with_nested_and_overlapping_spans():
    text = "ab\u0301c \U0001f600d\r\ne"
    spans = [(1, 0, 5), (2, 2, 3), (3, 4, 9), (4, 0, 5)]
    got = pieces(text, spans)
    assert "".join(text[p.start : p.end] for p in got) == text
    assert [(p.start, p.end, p.ids) for p in got][:4] == [
        (0, 2, (1, 4)),
        (2, 3, (1, 2, 4)),
        (3, 4, (1, 4)),
        (4, 5, (1, 3, 4)),
    ]
    assert got[-1].ids == ()


def test_pieces_never_drop_or_duplicate_a_character():
    rng = random.Random(7)
    alphabet = ["a", " ", "\r\n", "\u0301", "\U0001f600", "\u05d0", "<", "&", "\u200d"]
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        spans = []
        for cid in range(rng.randint(0, 6)):
            a, b = sorted(rng.sample(range(len(text) + 1), 2)) if len(text) > 1 else (0, len(text))
            spans.append((cid, a, b))
        got = pieces(text, spans)
        assert "".join(text[p.start : p.end] for p in got) == text
        assert all(p.start < p.end for p in got)
        for p in got:
            assert set(p.ids) == {c for c, a, b in spans if a <= p.start and p.end <= b}


def test_hostile_text_is_escaped_and_survives_exactly():
    spans = [(1, 9, 35), (2, 38, 74), (3, 80, 90), (4, 85, 88)]
    citations = [Citation(id=i, span=Span.of(HOSTILE, a, b), match="exact") for i, a, b in spans]
    back = {i: [Statement(f"s{i}", f'claim "{i}" <b>&</b>')] for i, _, _ in spans}
    html = str(article_pane(HOSTILE, citations, back))
    assert "<script" not in html and "<img" not in html and "</textarea" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "claim &#34;1&#34; &lt;b&gt;&amp;&lt;/b&gt;" in html
    page = Page(f'<div class="text">{html}</div>')
    assert "".join(page.text) == HOSTILE
    assert {"c1", "c2", "c3", "c4"} <= page.ids


def test_every_link_resolves_and_every_mark_links_back(brief):
    html = render(brief, fmt="html")
    page = Page(html)
    internal = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert internal and set(internal) <= page.ids
    assert {f"c{c.id}" for c in brief.citations} <= page.ids
    assert {f"s{n}" for n in range(1, len(brief.facts) + 1)} <= page.ids
    assert page.marks and all(m["class"].split()[0] in ("exact", "normalized", "fuzzy") for m in page.marks)
    cited = {i for f in brief.facts for i in f.citations}
    for mark in page.marks:
        if set(map(int, mark["data-c"].split())) & cited:
            assert any(h.startswith("#s") for h in mark["links"]), mark
    assert "".join(page.text) == brief.article.text


def test_the_page_is_self_contained_and_allows_only_its_own_script(brief):
    import base64
    import hashlib

    html = render(brief, fmt="html")
    page = Page(html)
    assert not [a for t, a in page.tags if "src" in a or t in ("link", "iframe", "img", "object")]
    assert [t for t, _ in page.tags].count("script") == 1
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"<script>{SCRIPT}</script>" in html
    csp = next(a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and f"'sha256-{digest}'" in csp
    assert "white-space:pre-wrap" in html


def test_statements_show_the_speaker_and_dropped_facts_their_reasons(brief):
    html = render(brief, fmt="html")
    quoted = next(f for f in brief.facts if f.attribution.speaker == "Shin Beom-chul")
    n = brief.facts.index(quoted) + 1
    item = re.search(rf'<li id="s{n}".*?</li>', html, re.S).group()
    assert "Shin Beom-chul" in item and "senior fellow" in item
    assert f'href="#c{quoted.attribution.speaker_citation}"' in item
    dropped = re.search(r'<details class="dropped">.*?</details>', html, re.S).group()
    assert "Trump will visit Moscow in 1999." in dropped and "Trump visited Moscow" in dropped
    assert "the quote is not in the article" in dropped and "copy a quote exactly" not in dropped


def test_a_hostile_article_renders_inert():
    article = Article(
        text=HOSTILE, title='<script>alert(1)</script>"', source="x.txt", url="javascript:alert(1)"
    )
    proposed = fact("Breaking news.", 'Breaking <script>alert("x")</script>')
    brief = brief_article(article, FakeBackend({"facts": [proposed]}, {"facts": []}))
    html = render(brief, fmt="html")
    assert html.count("<script>") == 1 and "javascript:" not in html
    assert "{{" in html  # template syntax in the text is data, printed as is
    page = Page(html)
    assert "".join(page.text) == HOSTILE


@pytest.mark.parametrize(
    "raw, encoded",
    [
        ("a-b", "a%2Db"),
        ("x & y, z", "x%20%26%20y%2C%20z"),
        ("Kim’s", "Kim%E2%80%99s"),
        ("50%", "50%25"),
        ("a_b.c~d", "a_b.c~d"),
        ("(#:~:)", "%28%23%3A~%3A%29"),
    ],
)
def test_text_fragment_terms_are_percent_encoded(raw, encoded):
    assert encode_fragment_text(raw) == encoded


def test_short_quotes_are_whole_and_long_ones_are_their_edges():
    assert text_directive("Definitely North Korea is playing a game") == (
        "text=Definitely%20North%20Korea%20is%20playing%20a%20game"
    )
    long = "Kim and Putin will meet at Russia’s Asian city of Vladivostok,\nwhich is only 680 km away"
    assert text_directive(long) == "text=Kim%20and%20Putin%20will,only%20680%20km%20away"
    assert (
        passage_url("https://e.example/a?x=1#top", "one-two") == "https://e.example/a?x=1#:~:text=one%2Dtwo"
    )
    assert whole_words("the summit soon", 5, 10) == "summit"
    assert markdown_url("https://e.example/a b(1)`&amp;<x>é") == (
        "https://e.example/a%20b%281%29%60\\&amp;%3Cx%3E%C3%A9"
    )


def test_markdown_sources_of_a_web_article_link_to_the_passage(brief):
    web = brief.model_copy(
        update={"article": brief.article.model_copy(update={"url": "https://news.example/kim (1).html"})}
    )
    tokens = MarkdownIt().parseInline(render(web).split("## Sources", 1)[1])
    links = [t.attrs["href"] for tok in tokens for t in tok.children or [] if t.type == "link_open"]
    assert links == [markdown_url(citation_url(web.article, c)) for c in brief.citations]
    assert all(h.startswith("https://news.example/kim%20%281%29.html#:~:text=") for h in links)
    assert "https://news.example/kim%20%281%29.html#:~:text=Shin%20Beom%2Dchul" in links


def test_a_hostile_quote_cannot_break_out_of_its_link():
    text = "Evil ](javascript:alert(1)) [x](http://bad.example) <b>quote</b> here."
    article = Article(text=text, title="T", url="https://news.example/a")
    brief = brief_article(article, FakeBackend({"facts": [fact("Evil quote here.", text)]}))
    html = MarkdownIt().render(render(brief))
    [href] = re.findall(r'href="([^"]*)"', html)
    assert href.startswith("https://news.example/a#:~:text=Evil%20%5D%28javascript%3Aalert%281%29%29%20")
    assert "<b>" not in html and html.count("<a ") == 1


def test_local_files_get_no_links_unless_asked(brief):
    assert "](" not in render(brief).split("## Sources", 1)[1]


def run(server, *args):
    base = f"http://127.0.0.1:{server.server_port}/v1"
    return CliRunner().invoke(cli, ["brief", *args, "--base-url", base, "--max-chunk-tokens", "4000", "-q"])


def test_cli_writes_html_and_links_files_on_request(server, tmp_path, monkeypatch):
    import json

    answer = json.dumps({"facts": FACTS[:3]})
    server.script = [completion(answer)]
    out = tmp_path / "brief.html"
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = run(server, str(EXAMPLE), "--format", "html", "-o", str(out), "--open")
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert opened == [] and "not on a terminal" in result.stderr
    result = run(server, str(EXAMPLE), "--link-files")
    sources = result.stdout.split("## Sources", 1)[1]
    assert f"]({EXAMPLE.resolve().as_uri()}#:~:text=" in sources


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_chromium_renders_the_page(brief, tmp_path):
    page = tmp_path / "brief.html"
    page.write_text(render(brief, fmt="html"), encoding="utf-8")
    shot = tmp_path / "brief.png"
    command = [
        "chromium",
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--hide-scrollbars",
        "--window-size=1400,900",
        f"--screenshot={shot}",
        page.as_uri() + "#c2",
    ]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    dom = chromium_dom(page)  # what the browser shows: everything the Markdown brief has
    assert "<h2>Bottom line</h2>" in dom and 'class="bottom"' in dom
    assert "speakers from the source: " in render(brief) and "speakers from the source: " in dom


def chromium_dom(page) -> str:
    """The page's DOM as headless Chromium builds it."""
    command = ["chromium", "--headless", "--disable-gpu", "--no-sandbox", "--dump-dom", page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False).stdout
