"""A feed reader's world over real loopback HTTP: OPML in, conditional GET, full-text entries, politeness, Atom out."""

from __future__ import annotations

import html
import json
import shutil
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import feedparser
import pytest
from support import Loopback, Quiet
from test_digest import ByText, make_config, opener
from test_digest_sources import page

from briefer._version import __version__
from briefer.config import load_settings
from briefer.digest.config import digest_config
from briefer.digest.run import run_digest
from briefer.errors import InputError, LLMError
from briefer.models import Article
from briefer.sources.base import Filters, Item
from briefer.sources.collect import collect
from briefer.sources.config import SourcesConfig
from briefer.sources.opml import NO_FEED, subscriptions
from briefer.sources.polite import HostGate, round_robin
from briefer.state.store import HttpRecord, Store

DIGEST = Path(__file__).parent / "data" / "digest"
OPML = Path(__file__).parent / "data" / "opml"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
HTML = "text/html; charset=utf-8"
MODIFIED = "Wed, 25 Nov 2026 06:00:00 GMT"


@dataclass
class Resource:
    body: bytes
    ctype: str = HTML
    etag: str | None = None
    modified: str | None = None
    delay: float = 0.0


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    status: int
    started: float


class Origin(Loopback):
    """A loopback server whose resources send ETag/Last-Modified and answer conditional GETs with 304.

    ``fail[path]`` lists ``(status, headers)`` answers given before the resource itself.
    """

    def __init__(self):
        self.routes: dict[str, Resource] = {}
        self.fail: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.log: list[Request] = []
        self.inflight = self.most = 0
        self.lock = threading.Lock()
        origin = self

        class Handler(Quiet):
            def do_GET(self):  # noqa: N802
                self.started = time.monotonic()
                origin.answer(self)

        super().__init__(Handler)

    def answer(self, handler: Quiet) -> int:
        path = handler.path
        if self.fail.get(path):
            status, headers = self.fail[path].pop(0)
            return self.send(handler, status, {"Content-Type": "text/plain", **headers}, b"busy")
        res = self.routes.get(path)
        if res is None:
            return self.send(handler, 404, {"Content-Type": HTML}, b"<h1>Not found</h1>")
        with self.lock:
            self.inflight += 1
            self.most = max(self.most, self.inflight)
        time.sleep(
            res.delay
        )  # counted as in flight until the answer starts (a client may be done before we are)
        with self.lock:
            self.inflight -= 1
        validators = {k: v for k, v in (("ETag", res.etag), ("Last-Modified", res.modified)) if v}
        asked = handler.headers.get("If-None-Match"), handler.headers.get("If-Modified-Since")
        if (res.etag and asked[0] == res.etag) or (
            not asked[0] and res.modified and asked[1] == res.modified
        ):
            return self.send(handler, 304, validators, b"")
        return self.send(handler, 200, {"Content-Type": res.ctype, **validators}, res.body)

    def send(self, handler, status: int, headers: dict[str, str], body: bytes) -> int:
        # Logged before the answer goes out: a client that has its answer finds its request here.
        asked = {k.lower(): v for k, v in handler.headers.items()}
        self.log.append(Request(handler.path, asked, status, handler.started))
        handler.send(status, headers, body, length=status != 304)
        return status

    def requests(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]


def paragraphs(name: str) -> tuple[str, str]:
    title, body = (DIGEST / f"{name}.txt").read_text(encoding="utf-8").split("\n\n", 1)
    return title, "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n") if p.strip())


def rss(items: list[dict]) -> bytes:
    """Items: ``link``, ``when``, optional ``content`` (content:encoded HTML) and ``categories``."""
    out = []
    for i in items:
        extra = "".join(f"<category>{c}</category>" for c in i.get("categories", ()))
        if "content" in i:
            extra += f"<content:encoded><![CDATA[{i['content']}]]></content:encoded>"
        out.append(
            f"<item><title>{i['title']}</title><link>{i['link']}</link>"
            f"<pubDate>{format_datetime(i['when'])}</pubDate>{extra}</item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Coast Courier</title>{''.join(out)}</channel></rss>"
    ).encode()


def atom(base: str) -> bytes:
    title_a, body_a = paragraphs("frost-orchards-a")
    stamp = (NOW - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Frost wire</title><id>urn:x:frost</id><updated>{stamp}</updated>"
        f"<entry><title>{html.escape(title_a)}</title><id>urn:x:a</id><updated>{stamp}</updated>"
        f'<link href="{base}/news/frost-a.html"/><content type="html">{html.escape(body_a)}</content></entry>'
        f"<entry><title>Frost, part two</title><id>urn:x:b</id><updated>{stamp}</updated>"
        f'<link href="{base}/news/frost-b.html"/><summary>Frost again.</summary></entry></feed>'
    ).encode()


@pytest.fixture
def origin():
    o = Origin()
    b = o.base
    _, ferry_b = paragraphs("ferry-aground-b")
    hours = [NOW - timedelta(hours=h) for h in range(1, 6)]
    coast = [
        {"title": "Aground", "link": f"{b}/news/ferry-a.html", "when": hours[0]},
        {"title": "Aground (b)", "link": f"{b}/news/ferry-b.html", "when": hours[1], "content": ferry_b}
        | {"categories": ["Ports"]},
        {"title": "Fares", "link": f"{b}/news/fares.html", "when": hours[2], "content": "<p>Fares rise.</p>"},
    ]
    o.routes.update(
        {
            "/coast.xml": Resource(rss(coast), "application/rss+xml", etag='"coast-v1"'),
            "/frost.atom": Resource(atom(b), "application/atom+xml", modified=MODIFIED),
            "/bridge.xml": Resource(  # no validators: fetched in full every time
                rss([{"title": "Tender", "link": f"{b}/news/bridge.html", "when": hours[3]}]),
                "application/rss+xml",
            ),
            "/news/ferry-a.html": Resource(page("ferry-aground-a"), etag='W/"a1"'),
            "/news/ferry-b.html": Resource(page("ferry-aground-b"), etag='"b1"'),
            "/news/fares.html": Resource(page("ferry-fares"), modified=MODIFIED),
            "/news/frost-a.html": Resource(page("frost-orchards-a"), etag='"fa"'),
            "/news/frost-b.html": Resource(page("frost-orchards-b"), etag='"fb"'),
            "/news/bridge.html": Resource(page("bridge-tender")),
        }
    )
    yield o
    o.close()


def opml_file(folder: Path, base: str, name: str = "subscriptions.opml") -> Path:
    path = folder / name
    path.write_text((OPML / name).read_text(encoding="utf-8").replace("{base}", base), encoding="utf-8")
    return path


# --- OPML ---------------------------------------------------------------------------------


def test_opml_outlines_nest_and_their_folders_and_categories_become_tags(tmp_path):
    left_out = Counter()
    path = opml_file(tmp_path, "http://127.0.0.1:9")
    found = subscriptions(path.read_bytes(), "subscriptions.opml", left_out)
    assert found == [
        ("http://127.0.0.1:9/coast.xml", {"energy"}),
        ("http://127.0.0.1:9/frost.atom", {"energy", "markets", "agriculture", "weather"}),
        ("http://127.0.0.1:9/coast.xml", {"transport", "shipping"}),
        ("http://127.0.0.1:9/bridge.xml", set()),
        ("gopher://127.0.0.1/1/feed", set()),
    ]
    assert left_out == {NO_FEED: 1}


@pytest.mark.parametrize(
    "name, message", [("entities.opml", "declares XML entities"), ("not-opml.opml", "not an OPML file")]
)
def test_an_opml_file_with_entities_or_of_another_kind_is_refused_in_one_line(tmp_path, name, message):
    path = opml_file(tmp_path, "http://127.0.0.1:9", name)
    with pytest.raises(InputError, match=message):
        subscriptions(path.read_bytes(), name, Counter())


def sources(origin, tmp_path, **kw) -> SourcesConfig:
    opml_file(tmp_path, origin.base)
    return SourcesConfig(**{"opml": ["subscriptions.opml"], "timeout": 5, "host_delay": 0, **kw})


def test_opml_feeds_are_read_once_with_their_tags_and_full_text_entries_are_not_fetched(origin, tmp_path):
    got = collect(sources(origin, tmp_path), tmp_path, Filters(), allow_private=True)
    items = {i.key.removeprefix(origin.base): i for i in got.items}
    assert set(items) == {
        f"/news/{n}.html" for n in ("ferry-a", "ferry-b", "fares", "frost-a", "frost-b", "bridge")
    }
    assert len(origin.requests("/coast.xml")) == 1  # listed in two folders, read once
    assert items["/news/ferry-a.html"].tags == {"energy", "transport", "shipping"}
    assert items["/news/ferry-b.html"].tags == {
        "energy",
        "transport",
        "shipping",
        "ports",
    }  # + the entry's own
    assert items["/news/frost-b.html"].tags == {"energy", "markets", "agriculture", "weather"}
    assert not origin.requests("/news/ferry-b.html") and not origin.requests("/news/frost-a.html")
    assert origin.requests("/news/fares.html")  # its content:encoded is a teaser: the page is fetched
    full = items["/news/ferry-b.html"].article
    assert full.title == "Aground (b)" and "Skarve" in full.text and full.date == "2026-11-26"
    assert [p.source for p in got.problems] == ["subscriptions.opml: gopher://127.0.0.1/1/feed"]
    assert got.left_out == {NO_FEED: 1}
    assert got.http == {"feeds fetched": 3, "pages fetched": 4, "entries with full text": 2}


@pytest.mark.parametrize(
    "include, exclude, kept",
    [
        (["tag:weather"], [], {"frost-a", "frost-b"}),
        (["Ports"], [], {"ferry-b"}),  # a plain word matches a tag too (and the word in the text)
        ([], ["tag:energy"], {"bridge"}),
    ],
)
def test_include_and_exclude_match_tags(origin, tmp_path, include, exclude, kept):
    filters = Filters(include=tuple(include), exclude=tuple(exclude))
    got = collect(sources(origin, tmp_path), tmp_path, filters, allow_private=True)
    assert {i.key.rsplit("/", 1)[-1].removesuffix(".html") for i in got.items} == kept


def test_a_tag_term_matches_tags_only_and_folds_case_and_spaces():
    item = Item(Article(text="Energy prices rose.", title="t"), "k", "o", tags=frozenset({"middle east"}))
    assert Filters(include=("tag:Middle  East",)).reason_to_skip(item) is None
    assert Filters(include=("tag:energy",)).reason_to_skip(item) == "matches no include keyword"
    assert Filters(include=("energy",)).reason_to_skip(item) is None


# --- conditional GET ----------------------------------------------------------------------


def test_a_second_run_asks_conditionally_gets_304s_and_makes_no_llm_call(origin, tmp_path):
    opml_file(tmp_path, origin.base)
    data = {
        "name": "Coast desk",
        "window": "24h",
        "allow_private_hosts": True,
        "output": "out",
        "sources": {"opml": ["subscriptions.opml"], "timeout": 5, "host_delay": 0},
    }
    config = digest_config(data, base=tmp_path, key="test:feeds")
    first = run_digest(config, load_settings(), now=NOW, open_backend=opener(ByText()))
    outputs = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert {"digest.xml", "index.html", "2026-11-26.md", "2026-11-26.html"} <= set(outputs)
    origin.log.clear()
    backend = ByText()
    second = run_digest(config, load_settings(), now=NOW + timedelta(hours=1), open_backend=opener(backend))
    assert backend.history == [] and second.counts["llm_calls"] == 0
    sent = {
        r.path: (r.headers.get("if-none-match"), r.headers.get("if-modified-since"), r.status)
        for r in origin.log
    }
    assert sent == {
        "/coast.xml": ('"coast-v1"', None, 304),
        "/frost.atom": (None, MODIFIED, 304),
        "/bridge.xml": (None, None, 200),  # it sent no validators
        "/news/ferry-a.html": ('W/"a1"', None, 304),
        "/news/fares.html": (None, MODIFIED, 304),
        "/news/frost-b.html": ('"fb"', None, 304),
        "/news/bridge.html": (None, None, 200),
    }
    assert second.digest == first.digest
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == outputs


def test_validators_and_what_a_304_stands_for_are_stored(origin, tmp_path):
    store = Store(tmp_path / "state.sqlite3")
    collect(sources(origin, tmp_path), tmp_path, Filters(), allow_private=True, store=store)
    feed = store.http_record(f"{origin.base}/coast.xml")
    assert (
        feed.etag == '"coast-v1"' and feed.body == origin.routes["/coast.xml"].body and feed.article is None
    )
    page_record = store.http_record(f"{origin.base}/news/fares.html")
    assert page_record.last_modified == MODIFIED and page_record.body is None
    assert Article.model_validate_json(page_record.article).title.startswith("Westsound Lines")
    assert store.http_record(f"{origin.base}/news/bridge.html") is None  # no validators, nothing kept
    again = collect(sources(origin, tmp_path), tmp_path, Filters(), allow_private=True, store=store)
    assert again.http == {
        "feeds not modified": 2,
        "feeds fetched": 1,
        "pages not modified": 3,
        "pages fetched": 1,
        "entries with full text": 2,
    }


# --- politeness ---------------------------------------------------------------------------


def test_one_host_gets_at_most_two_requests_at_once_spaced_by_the_delay(origin):
    for n in range(6):
        origin.routes[f"/slow/{n}.html"] = Resource(page("ferry-fares"), delay=0.3)
    urls = [f"{origin.base}/slow/{n}.html" for n in range(6)]
    config = SourcesConfig(urls=urls, timeout=5, host_concurrency=2, host_delay=0.1)
    got = collect(config, DIGEST, Filters(), allow_private=True)
    assert len(got.items) == 6 and origin.most == 2
    starts = sorted(r.started for r in origin.log)
    assert starts[-1] - starts[0] >= 0.4  # 5 gaps of 0.1 s, less what a loaded machine may shift
    assert {r.headers["user-agent"] for r in origin.log} == {f"briefer/{__version__}"}


def test_retry_after_is_honoured_once_within_the_deadline(origin):
    origin.routes["/busy.html"] = Resource(page("ferry-fares"))
    origin.fail["/busy.html"] = [(429, {"Retry-After": "1"})]
    started = time.monotonic()
    got = collect(
        SourcesConfig(urls=[f"{origin.base}/busy.html"], timeout=5), DIGEST, Filters(), allow_private=True
    )
    assert [i.key.removeprefix(origin.base) for i in got.items] == ["/busy.html"] and not got.problems
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in origin.requests("/busy.html")] == [429, 200]


def test_a_retry_after_beyond_the_deadline_lists_the_source_at_once(origin):
    origin.routes["/down.html"] = Resource(page("ferry-fares"))
    origin.fail["/down.html"] = [(503, {"Retry-After": "30"})] * 2
    started = time.monotonic()
    got = collect(
        SourcesConfig(urls=[f"{origin.base}/down.html"], timeout=10), DIGEST, Filters(), allow_private=True
    )
    [problem] = got.problems
    assert "HTTP 503" in problem.reason and "try again in 30 s" in problem.reason
    # One request, no wait for the 30 s (beyond the 10 s deadline); bounds far from both, for loaded machines.
    assert len(origin.requests("/down.html")) == 1 and time.monotonic() - started < 15


def test_the_gate_spaces_the_starts_of_one_hosts_requests_and_caps_them():
    gate, starts, inflight, most = HostGate(per_host=2, delay=0.05), [], Counter(), Counter()
    lock = threading.Lock()

    def request(port):
        with gate.slot(f"http://127.0.0.1:{port}/"):
            with lock:
                starts.append((port, time.monotonic()))
                inflight[port] += 1
                most[port] = max(most[port], inflight[port])
            time.sleep(0.08)
            with lock:
                inflight[port] -= 1

    threads = [threading.Thread(target=request, args=(port,)) for port in (1, 1, 1, 1, 1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mine = [t for port, t in starts if port == 1]
    assert most == {1: 2, 2: 1} and mine[-1] - mine[0] >= 4 * 0.05 - 0.01
    assert next(t for port, t in starts if port == 2) - mine[0] < 0.15  # no wait behind the other host


def test_jobs_are_handed_out_one_host_at_a_time():
    urls = ["http://a/1", "http://a/2", "http://a/3", "https://b/1", "http://A:80/4", "https://b:443/2", "x"]
    assert round_robin(urls) == [0, 3, 6, 1, 5, 2, 4]


# --- Atom and index.html ------------------------------------------------------------------


def digest_twice(tmp_path, **extra):
    """Day one, a re-run of day one an hour later, then day two; returns the config and the feed's bytes."""
    folder = tmp_path / "in"
    shutil.copytree(DIGEST, folder)
    config = make_config(folder, tmp_path / "out", **extra)
    feed = tmp_path / "out" / "digest.xml"
    run_digest(config, load_settings(), now=NOW, open_backend=opener(ByText()))
    first = feed.read_bytes()
    run_digest(config, load_settings(), now=NOW + timedelta(hours=1), open_backend=opener(ByText()))
    assert feed.read_bytes() == first  # same content: same dates, same bytes
    run_digest(config, load_settings(), now=NOW + timedelta(days=1), open_backend=opener(ByText()))
    return config, feed


def test_the_atom_feed_parses_back_with_ids_dates_and_links(tmp_path):
    config, feed = digest_twice(tmp_path, name="Coast & <b>Desk</b>")
    ET.parse(feed)  # well-formed
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Coast & <b>Desk</b>"
    assert parsed.feed.id == "tag:briefer,2026:Coast%20%26%20%3Cb%3EDesk%3C%2Fb%3E"
    assert parsed.feed.updated == "2026-11-27T09:00:00Z"
    days = ["2026-11-27", "2026-11-26"]
    assert [e.id for e in parsed.entries] == [f"{parsed.feed.id}/{d}" for d in days]
    assert [e.updated for e in parsed.entries] == ["2026-11-27T09:00:00Z", "2026-11-26T09:00:00Z"]
    for entry, day in zip(parsed.entries, days):
        assert {(link.type, link.href) for link in entry.links} == {
            ("text/html", f"{day}.html"),
            ("text/markdown", f"{day}.md"),
        }
        [content] = entry.content
        assert content.type == "text/html" and f'<a href="{day}.html#c1"' in content.value
        assert "<h2>1. " in content.value and "Not covered" not in content.value


def test_the_feed_keeps_the_last_feed_days_and_absolute_links_with_publish_url(tmp_path):
    config, feed = digest_twice(tmp_path, feed_days=1, publish_url="http://127.0.0.1:8000/digests")
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo and [e.id.rsplit("/", 1)[-1] for e in parsed.entries] == ["2026-11-27"]
    assert parsed.entries[0].link == "http://127.0.0.1:8000/digests/2026-11-27.html"
    self_link = next(link for link in parsed.feed.links if link.rel == "self")
    assert self_link.href == "http://127.0.0.1:8000/digests/digest.xml"


def test_a_changed_day_gets_a_new_updated_date_and_keeps_its_published_date(tmp_path):
    config, feed = digest_twice(tmp_path)
    (config.base / "in" / "extra.txt").write_text(
        "Harbour dredging starts\n\nThe harbour of Port Aldra will be dredged from May, the port authority said.\n",
        encoding="utf-8",
    )
    run_digest(config, load_settings(), now=NOW + timedelta(days=1, hours=2), open_backend=opener(ByText()))
    newest = feedparser.parse(feed.read_bytes()).entries[0]
    assert (newest.published, newest.updated) == ("2026-11-27T09:00:00Z", "2026-11-27T11:00:00Z")
    assert "Harbour dredging" in newest.content[0].value


def test_index_lists_the_days_newest_first_and_escapes_the_name(tmp_path):
    config, feed = digest_twice(tmp_path, name="Coast & <b>Desk</b>")
    index = (feed.parent / "index.html").read_text(encoding="utf-8")
    assert "<title>Coast &amp; &lt;b&gt;Desk&lt;/b&gt;</title>" in index and "<b>Desk" not in index
    assert index.index('href="2026-11-27.html"') < index.index('href="2026-11-26.html"')
    assert 'type="application/atom+xml"' in index and 'href="2026-11-26.md"' in index


def test_validators_unused_for_a_month_are_pruned(tmp_path):
    store = Store(tmp_path / "state.sqlite3")
    for url in ("http://127.0.0.1:9/old", "http://127.0.0.1:9/new"):
        store.put_http_record(url, HttpRecord('"e"', None, url, HTML))
    store.db.execute("UPDATE http_validators SET used = '2020-01-01T00:00:00' WHERE url LIKE '%old'")
    assert store.prune_http_records(timedelta(days=30)) == 1
    assert store.http_record("http://127.0.0.1:9/old") is None and store.http_record("http://127.0.0.1:9/new")


def test_an_opml_file_can_be_fetched_from_a_url(origin, tmp_path):
    opml_file(tmp_path, origin.base)
    origin.routes["/subs.opml"] = Resource((tmp_path / "subscriptions.opml").read_bytes(), "text/x-opml")
    config = SourcesConfig(opml=[f"{origin.base}/subs.opml"], timeout=5, host_delay=0)
    got = collect(config, tmp_path, Filters(include=("tag:weather",)), allow_private=True)
    assert sorted(i.key.rsplit("/", 1)[-1] for i in got.items) == ["frost-a.html", "frost-b.html"]


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"include": ["tag: "]}, "tags must not be empty"),
        ({"publish_url": "intranet/digests"}, r"publish_url: .* is not an http\(s\) URL"),
        ({"feed_days": 0}, "feed_days"),
    ],
)
def test_bad_feed_settings_are_one_line_naming_the_key(tmp_path, extra, message):
    from briefer.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        digest_config({"name": "x", "sources": {"paths": ["a"]}, **extra}, base=tmp_path)


def test_text_that_xml_forbids_is_dropped_and_line_ends_are_as_a_parser_reports_them():
    from briefer.digest.publish import xml_text

    assert xml_text("a\x0bb\x00c\r\nd\re\ufffe") == "abc\nd\ne"


def test_an_earlier_day_is_read_for_the_feed_without_its_briefs(tmp_path):
    """The feed reads back the part of a day's JSON an entry shows: the same entry, no Brief built."""
    from briefer.digest import publish
    from briefer.digest.model import Digest

    digest_twice(tmp_path)
    day = tmp_path / "out" / "2026-11-26.json"
    whole = Digest.model_validate_json(day.read_text(encoding="utf-8"))
    summary = publish._load(day)
    assert isinstance(summary, publish.DaySummary)
    assert publish.entry_html(summary) == publish.entry_html(whole)
    data = json.loads(day.read_text(encoding="utf-8"))
    for article in data["articles"]:
        article["brief"] = {"not": "a brief"}  # never validated, so never built
    day.write_text(json.dumps(data), encoding="utf-8")
    assert publish.entry_html(publish._load(day)) == publish.entry_html(whole)


# --- a feed longer than max_per_feed ---------------------------------------------------------


def test_entries_beyond_max_per_feed_are_counted_as_left_out(origin, tmp_path):
    _, body = paragraphs("ferry-aground-b")
    entries = [
        {"title": f"Item {n}", "link": f"{origin.base}/long/{n}.html", "when": NOW, "content": body}
        for n in range(40)
    ]
    origin.routes["/long.xml"] = Resource(rss(entries), "application/rss+xml")
    config = SourcesConfig(feeds=[f"{origin.base}/long.xml"], timeout=5, host_delay=0, max_per_feed=30)
    got = collect(config, tmp_path, Filters(), allow_private=True)
    assert len(got.items) == 30
    assert got.left_out == {"feed entries beyond max_per_feed (30)": 10}


def test_the_run_summary_counts_only_the_articles_the_digest_covers(origin, tmp_path, caplog):
    """Three full-text entries; the model fails on two, so the digest covers one article and says so."""
    entries = [
        {
            "title": name,
            "link": f"{origin.base}/news/{name}.html",
            "when": NOW,
            "content": paragraphs(name)[1],
        }
        for name in ("ferry-aground-b", "ferry-fares", "bridge-tender")
    ]
    origin.routes["/mixed.xml"] = Resource(rss(entries), "application/rss+xml")
    data = {"name": "Desk", "output": str(tmp_path / "out"), "allow_private_hosts": True}
    data["sources"] = {
        "feeds": [f"{origin.base}/mixed.xml"],
        "timeout": 5,
        "host_delay": 0,
        "entry_text_min": 10,
    }
    config = digest_config(data, base=tmp_path, key="test:summary")
    down = LLMError("The LLM kept answering 429")
    backend = ByText(fail={"Westsound Lines will raise fares": down, "bridge": down})
    with caplog.at_level("INFO", logger="briefer"):
        result = run_digest(config, load_settings(), now=NOW, open_backend=opener(backend))
    assert len(result.not_covered) == 2
    assert any(m.endswith(": 1 story from 1 article (partial)") for m in caplog.messages), caplog.messages


def test_a_file_url_in_a_feed_is_shown_as_the_feed_spells_it(origin, tmp_path):
    """feedparser folds ``file:///etc/passwd`` into ``file://etc/passwd``; briefer reports the link as given."""
    entries = [{"title": "Passwd", "link": "file:///etc/passwd", "when": NOW}]
    entries += [{"title": "Aground", "link": f"{origin.base}/news/ferry-a.html", "when": NOW}]
    origin.routes["/odd.xml"] = Resource(rss(entries), "application/rss+xml")
    config = SourcesConfig(feeds=[f"{origin.base}/odd.xml"], timeout=5, host_delay=0)
    got = collect(config, tmp_path, Filters(), allow_private=True)
    [problem] = got.problems
    assert problem.source == "file:///etc/passwd" and problem.reason.startswith("file:///etc/passwd cannot")
    assert [i.key for i in got.items] == [f"{origin.base}/news/ferry-a.html"]
