"""briefer.sources: files, stdin and real local HTTP; offsets preserved, bad input gets one clear line."""

from __future__ import annotations

import io
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from briefer.errors import InputError
from briefer.models import Article
from briefer.sources import load_article
from briefer.sources.article import article_from_bytes, make_title

DATA = Path(__file__).parent / "data" / "sources"
ARTICLE_HTML = (DATA / "article.html").read_bytes()

CRLF_TEXT = "Bridge Reopens\r\n\r\nThe old bridge reopened on Friday.\r\nTraffic was light.\r\n"
MIXED_TEXT = (
    "東京で新しい図書館が開館\n\n"
    "市は月曜日に新しい図書館を開いた。📚 訪問者は千人を超えた。\n"
    "Emoji with modifiers: 👩🏽‍💻 and flags 🇯🇵.\n"
    "בעברית: הספרייה נפתחה ביום שני.\n"
    "بالعربية: افتتحت المكتبة يوم الاثنين.\n"
)
LATIN1_HTML = (
    "<!DOCTYPE html><html><head><title>Caf\u00e9 reopens</title></head><body><article>"
    "<p>The caf\u00e9 on the main square reopened on Tuesday after a long renovation of its "
    "fa\u00e7ade, and the owner said the menu would stay the same as before, cr\u00e8me br\u00fbl\u00e9e included.</p>"
    "<p>Neighbours said they were glad to see the terrace full again on a sunny afternoon.</p>"
    "</article></body></html>"
).encode("latin-1")


# --- a real local HTTP server ---------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {
        "/article.html": (200, {"Content-Type": "text/html; charset=utf-8"}, ARTICLE_HTML),
        "/article": (200, {"Content-Type": "text/html"}, ARTICLE_HTML),
        "/latin1-declared": (200, {"Content-Type": "text/html; charset=ISO-8859-1"}, LATIN1_HTML),
        "/latin1-undeclared": (200, {"Content-Type": "text/html"}, LATIN1_HTML),
        "/plain.txt": (200, {"Content-Type": "text/plain; charset=utf-8"}, CRLF_TEXT.encode()),
        "/plain-latin1.txt": (200, {"Content-Type": "text/plain"}, "caf\u00e9 news".encode("latin-1")),
        "/doc.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
        "/pdf-as-octets": (200, {"Content-Type": "application/octet-stream"}, b"%PDF-1.4\n1 0 obj\n"),
        "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        "/empty.html": (200, {"Content-Type": "text/html"}, b"<!doctype html><html><body></body></html>"),
        "/redirect": (302, {"Location": "/article.html"}, b""),
        "/redirect-twice": (301, {"Location": "/redirect"}, b""),
        "/missing": (404, {"Content-Type": "text/plain"}, b"not here"),
        "/broken": (500, {"Content-Type": "text/plain"}, b"oops"),
        "/big.txt": (200, {"Content-Type": "text/plain"}, b"word " * 400),
    }

    def do_GET(self) -> None:
        self.server.seen_agents.append(self.headers.get("User-Agent"))  # type: ignore[attr-defined]
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/big-unsized":  # no Content-Length: the cap must hold while reading
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"word " * 400)
            return
        status, headers, body = self.routes.get(self.path, (200, {"Content-Type": "text/plain"}, b"late"))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout test)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen_agents = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """A proxy from the environment must not intercept the local test server."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


def base(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def assert_one_line(err: pytest.ExceptionInfo, *needles: str) -> str:
    msg = str(err.value)
    assert isinstance(err.value, InputError)
    assert "\n" not in msg and "\r" not in msg and msg.strip() == msg and msg
    for needle in needles:
        assert needle.lower() in msg.lower(), (needle, msg)
    return msg


def write(tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


# --- plain text files: kept exactly -------------------------------------------------


def test_crlf_text_is_kept_exactly(tmp_path):
    raw = CRLF_TEXT.encode()
    art = load_article(write(tmp_path, "a.txt", raw))
    assert art.text == raw.decode()
    assert "\r\n" in art.text
    assert art.title == "Bridge Reopens"
    assert art.source.endswith("a.txt") and art.url is None and art.bom_removed is False
    i = art.text.index("Traffic")
    assert art.text[i : i + 18] == "Traffic was light."


def test_bom_is_removed_and_recorded(tmp_path):
    raw = b"\xef\xbb\xbfHeadline\nBody text.\n"
    art = load_article(write(tmp_path, "bom.txt", raw))
    assert art.bom_removed is True
    assert art.text == "Headline\nBody text.\n"
    assert art.title == "Headline"


def test_cjk_emoji_rtl_offsets_are_code_points(tmp_path):
    art = load_article(write(tmp_path, "m.txt", MIXED_TEXT.encode()))
    assert art.text == MIXED_TEXT
    assert art.title == "東京で新しい図書館が開館"
    for needle in ("📚", "👩🏽‍💻", "הספרייה", "افتتحت"):
        start = art.text.index(needle)
        assert art.text[start : start + len(needle)] == needle


def test_leading_blank_lines_and_long_title(tmp_path):
    line = "Word " * 100
    art = load_article(write(tmp_path, "t.txt", f"\n  \n  {line}\nrest".encode()))
    assert art.text.startswith("\n  \n  Word")  # text untouched
    assert len(art.title) <= 200 and art.title.endswith("…") and art.title.startswith("Word Word")
    assert make_title("   \n Short one \n") == "Short one"


def test_txt_file_containing_html_is_extracted(tmp_path):
    art = load_article(write(tmp_path, "page.txt", ARTICLE_HTML))
    assert "ferry terminal" in art.text and "<p>" not in art.text


# --- bad files ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        (b"", ["empty"]),
        (b"  \r\n\t\n   ", ["whitespace"]),
        ("\u3000\n".encode(), ["whitespace"]),
        (b"Some text\x00more text", ["binary", "NUL"]),
        (b"%PDF-1.5\n%\xd0\xd4\xc5\xd8\n", ["PDF", "isn't supported", "convert"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ["PNG image"]),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", ["JPEG image"]),
        (b"PK\x03\x04\x14\x00", ["ZIP", "docx"]),
        (b"\xff\xfeH\x00i\x00", ["UTF-16", "iconv"]),
    ],
    ids=["empty", "whitespace", "ideographic-space", "nul", "pdf", "png", "jpeg", "zip", "utf16"],
)
def test_bad_file_contents(tmp_path, data, needles):
    path = write(tmp_path, "bad.txt", data)
    with pytest.raises(InputError) as err:
        load_article(path)
    msg = assert_one_line(err, *needles)
    assert "bad.txt" in msg


def test_latin1_file_is_not_guessed(tmp_path):
    path = write(tmp_path, "latin.txt", "Le caf\u00e9 est ouvert.".encode("latin-1"))
    with pytest.raises(InputError) as err:
        load_article(path)
    assert_one_line(err, "not valid UTF-8", "offset 6", "0xE9", "iconv -f LATIN1 -t UTF-8", "latin.txt")


def test_latin1_offset_counts_the_bom(tmp_path):
    path = write(tmp_path, "b.txt", b"\xef\xbb\xbfab\xe9")
    with pytest.raises(InputError) as err:
        load_article(path)
    assert_one_line(err, "offset 5")


def test_html_file_without_charset_must_be_utf8(tmp_path):
    path = write(tmp_path, "page.html", LATIN1_HTML.replace(b"<head>", b"<head><!-- -->"))
    with pytest.raises(InputError) as err:
        load_article(path)
    assert_one_line(err, "not valid UTF-8", "iconv")


def test_html_file_with_meta_charset_is_honoured(tmp_path):
    page = LATIN1_HTML.replace(b"<head>", b'<head><meta charset="iso-8859-1">')
    art = load_article(write(tmp_path, "page.html", page))
    assert "caf\u00e9 on the main square" in art.text
    assert "crème brûlée" in art.text


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as err:
        load_article(str(tmp_path / "nope.txt"))
    assert_one_line(err, "no such file", "nope.txt")


def test_directory(tmp_path):
    with pytest.raises(InputError) as err:
        load_article(str(tmp_path))
    assert_one_line(err, "is a directory")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "secret.txt", b"text")
    os.chmod(path, 0)
    with pytest.raises(InputError) as err:
        load_article(path)
    assert_one_line(err, "permission denied", "secret.txt")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_file_that_fails_to_read():
    with pytest.raises(InputError) as err:
        load_article("/proc/self/mem")  # opens, but reading offset 0 fails with EIO
    assert_one_line(err, "cannot be read", "/proc/self/mem")


def test_too_large_file(tmp_path):
    path = write(tmp_path, "big.txt", b"x" * 101)
    with pytest.raises(InputError) as err:
        load_article(path, max_bytes=100)
    assert_one_line(err, "larger than", "100-byte limit", "big.txt")
    assert load_article(path, max_bytes=101).text == "x" * 101


def test_unsupported_scheme():
    with pytest.raises(InputError) as err:
        load_article("ftp://example.invalid/a.txt")
    assert_one_line(err, "not supported", "http")


# --- stdin --------------------------------------------------------------------


def test_stdin_bytes():
    raw = "\ufeffTitle\r\nBody 🙂\r\n".encode()
    art = load_article("-", stdin=io.BytesIO(raw))
    assert art.source == "-" and art.bom_removed
    assert art.text == "Title\r\nBody 🙂\r\n"


def test_stdin_errors_name_standard_input():
    with pytest.raises(InputError) as err:
        load_article("-", stdin=io.BytesIO(b"   \n"))
    assert_one_line(err, "standard input", "whitespace")
    with pytest.raises(InputError) as err:
        load_article("-", stdin=io.BytesIO(b"abc" * 10), max_bytes=10)
    assert_one_line(err, "standard input", "larger than")


def test_article_from_bytes_is_the_shared_core():
    art = article_from_bytes(b"Hello\nworld", source="feed-item")
    assert art == Article(text="Hello\nworld", title="Hello", source="feed-item")
    html = article_from_bytes(ARTICLE_HTML, source="x", content_type="text/html", url="https://e.example/a")
    assert html.url == "https://e.example/a" and html.date == "2024-03-14"


# --- HTTP ---------------------------------------------------------------------


def test_html_page_over_http(server):
    url = base(server) + "/article.html"
    art = load_article(url, allow_private=True)
    assert art.source == url and art.url == url
    assert art.title == "Harbour Town Opens New Ferry Terminal"
    assert art.date == "2024-03-14"
    assert "opened a new ferry terminal on Thursday" in art.text
    for boilerplate in ("NAVBOILERPLATE", "FOOTERBOILERPLATE", "Privacy policy", "Subscribe"):
        assert boilerplate not in art.text
    assert server.seen_agents[-1].startswith("briefer/0.1")


def test_html_sniffed_without_suffix(server):
    art = load_article(base(server) + "/article", allow_private=True)
    assert "Gull Island" in art.text


def test_redirect_keeps_final_url(server):
    start = base(server) + "/redirect-twice"
    art = load_article(start, allow_private=True)
    assert art.source == start
    assert art.url == base(server) + "/article.html"
    assert "Gull Island" in art.text


def test_declared_charset_is_honoured(server):
    art = load_article(base(server) + "/latin1-declared", allow_private=True)
    assert "crème brûlée" in art.text


def test_undeclared_charset_falls_back_to_trafilatura(server):
    art = load_article(base(server) + "/latin1-undeclared", allow_private=True)
    assert "main square reopened" in art.text


def test_plain_text_over_http_keeps_crlf(server):
    art = load_article(base(server) + "/plain.txt", allow_private=True)
    assert art.text == CRLF_TEXT


@pytest.mark.parametrize(
    ("path", "needles"),
    [
        ("/missing", ["HTTP 404", "Not Found", "check the URL"]),
        ("/broken", ["HTTP 500", "try again later"]),
        ("/doc.pdf", ["PDF", "isn't supported", "application/pdf"]),
        ("/pdf-as-octets", ["PDF", "isn't supported"]),
        ("/image.png", ["image/png", "not text or HTML"]),
        ("/empty.html", ["no article text could be extracted"]),
        ("/plain-latin1.txt", ["not valid UTF-8", "iconv"]),
    ],
)
def test_http_errors(server, path, needles):
    url = base(server) + path
    with pytest.raises(InputError) as err:
        load_article(url, allow_private=True)
    msg = assert_one_line(err, *needles)
    assert url in msg


def test_http_timeout(server):
    url = base(server) + "/slow"
    t0 = time.monotonic()
    with pytest.raises(InputError) as err:
        load_article(url, timeout=0.3, allow_private=True)
    assert time.monotonic() - t0 < 1.4
    assert_one_line(err, "timeout", "0.3 s", url)


def test_http_size_cap(server):
    url = base(server) + "/big.txt"
    with pytest.raises(InputError) as err:
        load_article(url, max_bytes=1000, allow_private=True)
    assert_one_line(err, "larger than", "1,000-byte limit")
    assert load_article(url, max_bytes=2000, allow_private=True).text == "word " * 400
    with pytest.raises(InputError) as err:
        load_article(base(server) + "/big-unsized", allow_private=True, max_bytes=1000)
    assert_one_line(err, "larger than", "1,000-byte limit")
    assert (
        load_article(base(server) + "/big-unsized", allow_private=True, max_bytes=2000).text == "word " * 400
    )


def test_unreachable_host():
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/a"
    with pytest.raises(InputError) as err:
        load_article(url, timeout=2, allow_private=True)
    assert_one_line(err, "cannot be fetched", url, "network")


def test_a_loopback_url_is_refused_without_the_opt_in(server):
    with pytest.raises(InputError, match="private or reserved address"):
        load_article(base(server) + "/article")


def test_a_redirect_to_an_internal_address_is_refused(server, monkeypatch):
    """The first hop is allowed (as if public); the redirect to 127.0.0.1 is checked again and refused."""
    from briefer.sources import netfetch

    hops = []
    real = netfetch.is_public_ip

    def first_hop_only(ip):
        hops.append(ip)
        return len(hops) == 1 or real(ip)

    monkeypatch.setattr(netfetch, "is_public_ip", first_hop_only)
    with pytest.raises(InputError, match="private or reserved address"):
        load_article(base(server) + "/redirect-twice")
