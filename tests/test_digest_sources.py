"""Sources over real HTTP: feeds and pages served on 127.0.0.1, including broken, missing, slow and duplicate ones."""

from __future__ import annotations

import html
import os
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import ROOT
from support import Loopback, Quiet
from test_digest import ByText, opener

from briefer.config import load_settings
from briefer.digest.assemble import uncited_digest_lines
from briefer.digest.config import digest_config
from briefer.digest.identity import unique_articles
from briefer.digest.run import run_digest
from briefer.runtime import Runtime
from briefer.sources.base import Filters
from briefer.sources.canonical import canonical_url
from briefer.sources.collect import collect
from briefer.sources.config import SourcesConfig

DATA = Path(__file__).parent / "data" / "digest"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SLOW = 20.0  # the slow page: well past the timeout
TIMEOUT = 5.0  # generous: a loaded 2-core machine answers loopback requests slowly


def page(name: str, canonical: str | None = None) -> bytes:
    title, body = (DATA / f"{name}.txt").read_text(encoding="utf-8").split("\n\n", 1)
    paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in body.split("\n\n") if p.strip())
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{link}</head>"
        f"<body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav><article><h1>{html.escape(title)}</h1>\n"
        f"{paragraphs}</article><footer>© Coast Courier</footer></body></html>"
    ).encode()


def rss(base: str, items: list[tuple[str, datetime]]) -> bytes:
    entries = "".join(
        f"<item><title>{path}</title><link>{base}{html.escape(path)}</link><pubDate>{format_datetime(when)}</pubDate></item>"
        for path, when in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Coast Courier</title>{entries}</channel></rss>'.encode()


class Site(Loopback):
    """A real HTTP server with a dict of routes: path -> (status, content type, body)."""

    def __init__(self):
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        site = self

        class Handler(Quiet):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?", 1)[0]
                if path == "/slow.html":
                    time.sleep(SLOW)
                status, ctype, body = site.routes.get(path, (404, "text/html", b"<h1>Not found</h1>"))
                self.send(status, {"Content-Type": ctype}, body)

        super().__init__(Handler)


@pytest.fixture
def site():
    s = Site()
    b = s.base
    html_type = "text/html; charset=utf-8"
    s.routes.update(
        {
            "/news/ferry-a.html": (200, html_type, page("ferry-aground-a")),
            "/news/ferry-b.html": (200, html_type, page("ferry-aground-b")),
            "/news/fares.html": (200, html_type, page("ferry-fares")),
            "/mirror/ferry.html": (
                200,
                html_type,
                page("ferry-aground-a", canonical=f"{b}/news/ferry-a.html"),
            ),
            "/syndicated/ferry-copy.html": (200, html_type, page("ferry-aground-a")),
            "/slow.html": (200, html_type, page("bridge-tender")),
            "/feed.xml": (
                200,
                "application/rss+xml",
                rss(
                    b,
                    [
                        ("/news/ferry-a.html?utm_source=rss&utm_medium=feed", NOW - timedelta(hours=3)),
                        ("/news/ferry-b.html", NOW - timedelta(hours=5)),
                        ("/news/gone.html", NOW - timedelta(hours=6)),
                        ("/slow.html", NOW - timedelta(hours=7)),
                        ("/news/fares.html", NOW - timedelta(days=9)),
                    ],
                ),
            ),
            "/broken.xml": (200, "application/rss+xml", b"this is { not a feed"),
        }
    )
    yield s
    s.close()


def spec(site, **kw) -> SourcesConfig:
    values = dict(
        feeds=[f"{site.base}/feed.xml", f"{site.base}/broken.xml"],
        urls=[f"{site.base}/mirror/ferry.html", f"{site.base}/syndicated/ferry-copy.html"],
        timeout=TIMEOUT,
        host_delay=0,  # one loopback host serves everything here; politeness is tested in test_feeds.py
        host_concurrency=8,
    )
    return SourcesConfig(**{k: v for k, v in {**values, **kw}.items() if v != ()})


def test_feed_pages_are_collected_and_bad_sources_reported(site):
    started = time.monotonic()
    got = collect(spec(site), ROOT, Filters(since=NOW - timedelta(hours=24)), allow_private=True)
    assert time.monotonic() - started < SLOW  # the slow page hit its timeout
    reasons = {p.source.removeprefix(site.base): p.reason for p in got.problems}
    assert set(reasons) == {"/broken.xml", "/news/gone.html", "/slow.html"}
    assert "not a readable RSS/Atom feed" in reasons["/broken.xml"]
    assert "HTTP 404" in reasons["/news/gone.html"]
    assert "timeout" in reasons["/slow.html"]
    assert got.left_out == {"older than the time window": 1}
    assert all("\n" not in r for r in reasons.values())


def test_one_story_under_several_urls_is_one_article(site):
    got = collect(spec(site), ROOT, Filters(), allow_private=True)
    keys = sorted(i.key for i in got.items)
    base = site.base
    assert f"{base}/news/ferry-a.html" in [i.key for i in got.items]
    assert [i.key for i in got.items].count(
        f"{base}/news/ferry-a.html"
    ) == 2  # feed link with utm_*, mirror's canonical
    unique = unique_articles(got.items, Runtime.resolve(load_settings()))
    ferry = next(u for u in unique if u.item.key == f"{base}/news/ferry-a.html")
    assert [a.removeprefix(base) for a in ferry.addresses] == [
        "/news/ferry-a.html",
        "/syndicated/ferry-copy.html",
    ]
    assert len(unique) == 3, keys  # ferry-a, ferry-b, fares


def test_feed_entries_carry_their_dates(site):
    got = collect(spec(site, urls=()), ROOT, Filters(), allow_private=True)
    dated = {i.key.rsplit("/", 1)[-1]: i.published for i in got.items}
    assert dated["ferry-b.html"] == (NOW - timedelta(hours=5)).replace(microsecond=0)


def test_canonical_urls():
    assert (
        canonical_url("HTTPS://Example.COM:443/a/b/?utm_source=x&b=2&a=1#top")
        == "https://example.com/a/b?a=1&b=2"
    )
    assert canonical_url("http://example.com") == "http://example.com/"
    assert canonical_url("http://example.com:8080/x?fbclid=1") == "http://example.com:8080/x"


def test_canonical_urls_drop_courlans_trackers_but_not_look_alikes():
    """courlan's tracker list, matched on whole tokens: ``gallery`` is not ``ga``, ``refresh`` not ``ref``."""
    url = "http://Example.com:80//news//story/?affiliate=x&at_medium=rss&gallery=3&refresh=1&_ga=2&cmpid=9&a="
    assert canonical_url(url) == "http://example.com/news/story?a=&gallery=3&refresh=1"
    assert canonical_url("https://example.com/a?x=1#section-2") == "https://example.com/a?x=1"
    assert canonical_url("https://example.com/?ref_src=twsrc") == "https://example.com/"
    assert canonical_url("http://[::1]:8080/x/") == "http://[::1]:8080/x"


def test_a_digest_over_http_clusters_the_story_and_lists_failures(site, tmp_path):
    data = {
        "name": "Wire",
        "window": "24h",
        "allow_private_hosts": True,
        "output": str(tmp_path / "out"),
        "sources": {
            "feeds": list(spec(site).feeds),
            "urls": list(spec(site).urls),
            "timeout": TIMEOUT,
            "host_delay": 0,
            "host_concurrency": 8,
        },
    }
    config = digest_config(data, base=tmp_path)
    result = run_digest(config, load_settings(), now=NOW, open_backend=opener(ByText()))
    digest = result.digest
    assert [len(s.articles) for s in digest.stories] == [2]
    assert len(digest.not_covered) == 3 and result.status == "partial"
    markdown = result.markdown_path.read_text(encoding="utf-8")
    assert uncited_digest_lines(markdown, digest) == []
    assert "1 article left out: older than the time window" in markdown
    assert "/broken.xml: not a readable RSS/Atom feed" in markdown


def test_without_the_opt_in_internal_addresses_are_refused_and_listed(site, tmp_path):
    """A feed (or page) on an internal address is never fetched, so it can never reach the digest."""
    from briefer.errors import NothingBriefed

    data = {"name": "Wire", "output": str(tmp_path / "out"), "sources": {"feeds": [f"{site.base}/feed.xml"]}}
    config = digest_config(data, base=tmp_path)
    with pytest.raises(NothingBriefed, match="private or reserved address.*allow_private"):
        run_digest(config, load_settings(), now=NOW, open_backend=opener(ByText()))
    assert not (tmp_path / "out").exists()


def test_sigterm_ends_a_digest_stuck_in_a_download_within_two_seconds(tmp_path):
    """A page that drips forever: SIGTERM must cancel the download, not wait for its deadline."""
    import signal
    import subprocess
    import sys

    class Drip(Quiet):
        def do_GET(self):  # noqa: N802
            self.send(200, {"Content-Type": "text/html"}, length=False)
            for _ in range(600):
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)

    srv = Loopback(Drip)
    config = tmp_path / "digest.toml"
    url = f"{srv.base}/drip"
    config.write_text(
        f'name = "x"\nallow_private_hosts = true\n[sources]\nurls = ["{url}"]\ntimeout = 120\n',
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "BRIEFER_DATA_DIR": str(tmp_path / "state"),
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    }
    proc = subprocess.Popen([sys.executable, "-m", "briefer", "digest", str(config), "-q"], env=env)
    try:
        time.sleep(3)  # start-up and the first bytes of the download
        assert proc.poll() is None, "the digest ended before it was stuck"
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert time.monotonic() - sent < 8  # stopped promptly, not after the 120 s download timeout
        assert proc.returncode != 0
    finally:
        proc.kill()
        srv.close()
