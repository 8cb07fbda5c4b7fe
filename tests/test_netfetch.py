"""briefer.netfetch against real HTTP(S) servers on 127.0.0.1 (never any other address).

The servers are on loopback, so positive cases run with ``allow_private=True`` or
with a test resolver/``is_allowed`` that treats the name ``public.test`` (pinned
to 127.0.0.1) as public; the SSRF cases use the default policy.
"""

from __future__ import annotations

import base64
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from support import Loopback, Quiet

import briefer
from briefer.errors import InputError
from briefer.sources import addresses, netfetch
from briefer.sources.netfetch import (
    BlockedAddress,
    FetchCancelled,
    FetchError,
    FetchPolicy,
    FetchTimeout,
    TooLarge,
    fetch,
    is_public_ip,
    redact,
)

LOCAL = FetchPolicy(allow_private=True, deadline=10)
MB = 1024 * 1024


class Site(Loopback):
    """A ThreadingHTTPServer on 127.0.0.1:0; ``routes`` maps a path to ``handler(request)``."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.routes: dict = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, lowercased headers)
        self.stop = threading.Event()
        site = self

        class Handler(Quiet):
            def do_GET(self):  # noqa: N802
                site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                site.routes.get(self.path.split("?", 1)[0], lambda h: h.reply(404, b"not here"))(self)

            def reply(self, status, body=b"", headers=None, length=True):
                self.send(status, headers or {}, body, length)

        super().__init__(Handler, tls)

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def drip(self, handler):
        """Headers at once, then 2 bytes every 0.5 s until the client goes away or the test ends."""
        handler.reply(200, headers={"Content-Type": "text/plain"}, length=False)
        while not self.stop.wait(0.5):
            try:
                handler.wfile.write(b"ab")
            except OSError:
                return

    def close(self):
        self.stop.set()
        super().close()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


def public_test(*names: str, calls: list | None = None) -> FetchPolicy:
    """A policy for which ``names`` resolve to 127.0.0.1 and count as public; everything else is judged normally."""

    def resolver(host, port):
        if calls is not None:
            calls.append(host)
        if host in names:
            return ["127.0.0.1"]
        raise OSError(f"test resolver: unknown host {host}")

    return FetchPolicy(
        deadline=10, resolver=resolver, is_allowed=lambda host, ip: host in names or is_public_ip(ip)
    )


def timed(fn, *args, limit: float = 15, **kw):
    """``(result or exception, seconds)``; runs in a thread so a broken fetch cannot hang the test run."""
    box: list = []

    def run():
        start = time.monotonic()
        try:
            box.append(fn(*args, **kw))
        except Exception as e:
            box.append(e)
        box.append(time.monotonic() - start)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        pytest.fail(f"fetch still running after {limit} s")
    return box[0], box[1]


# --- ordinary pages -------------------------------------------------------------


def test_page_returns_body_final_url_and_charset(site):
    body = "<p>café</p>".encode("latin-1")
    site.routes["/page"] = lambda h: h.reply(
        200, body, {"Content-Type": "text/html; charset=ISO-8859-1", "ETag": '"v1"'}
    )
    got = fetch(site.url("/page"), LOCAL)
    assert (got.status, got.body, got.url) == (200, body, site.url("/page"))
    assert got.charset == "iso-8859-1"
    assert got.content_type == "text/html; charset=ISO-8859-1"
    assert got.headers["etag"] == '"v1"'
    _, sent = site.requests[0]
    assert sent["user-agent"] == LOCAL.user_agent == f"briefer/{briefer.__version__}"
    assert sent["host"] == f"127.0.0.1:{site.port}"


def test_gzip_and_deflate_bodies_are_decoded(site):
    text = b"All quiet on the harbour front. " * 200
    gz = zlib.compressobj(wbits=31)
    site.routes["/gz"] = lambda h: h.reply(200, gz.compress(text) + gz.flush(), {"Content-Encoding": "gzip"})
    site.routes["/zlib"] = lambda h: h.reply(200, zlib.compress(text), {"Content-Encoding": "deflate"})
    for path in ("/gz", "/zlib"):
        assert fetch(site.url(path), LOCAL).body == text, path
    assert "gzip" in site.requests[0][1]["accept-encoding"]


def test_unreachable_port_is_a_fetch_error(site):
    site.close()
    err, elapsed = timed(fetch, site.url("/gone"), LOCAL)
    assert isinstance(err, FetchError) and "cannot be fetched" in str(err), err
    assert elapsed < 8  # refused at once, not retried until the 10 s deadline (loose: machines are shared)


# --- SSRF -----------------------------------------------------------------------

REFUSED = [
    "http://127.0.0.1:{port}/",
    "http://[::1]:{port}/",
    "http://localhost:{port}/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://0.0.0.0:{port}/",
    "http://100.64.0.1/",
    "http://192.168.1.1/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fec0::1]/",
    "http://224.0.0.1/",
    "http://[64:ff9b::7f00:1]:{port}/",
    "http://[::127.0.0.1]:{port}/",
    "http://[2002:7f00:1::]:{port}/",
    "http://2130706433:{port}/",  # 127.0.0.1 as one decimal number, resolved by getaddrinfo
]


@pytest.mark.parametrize("template", REFUSED)
def test_default_policy_refuses_private_addresses_without_connecting(site, template):
    err, elapsed = timed(fetch, template.format(port=site.port), FetchPolicy(deadline=5))
    assert isinstance(err, BlockedAddress), err
    assert isinstance(err, InputError) and err.exit_code == 2
    assert "private" in str(err) and "not allowed" in str(err)
    assert elapsed < 4  # refused before connecting, not after the 5 s deadline (loose: machines are shared)
    assert site.requests == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::808:808", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("198.18.0.1", False),
        ("::", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("::10.0.0.1", False),
        ("64:ff9b::a00:1", False),
        ("64:ff9b::a9fe:a9fe", False),
        ("2002:a00:1::", False),
        ("fe80::1", False),
        ("fec0::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
    ],
)
def test_is_public_ip(address, public):
    assert is_public_ip(ipaddress.ip_address(address)) is public


def test_public_name_resolving_to_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(netfetch, "resolve", lambda host, port: ["10.1.2.3"])
    err, elapsed = timed(fetch, "http://news.example.com/story", FetchPolicy(deadline=5))
    assert isinstance(err, BlockedAddress), err
    assert "news.example.com resolves to 10.1.2.3" in str(err)
    assert elapsed < 1.0


def test_any_disallowed_address_refuses_the_host(site):
    site.routes["/page"] = lambda h: h.reply(200, b"ok")
    policy = FetchPolicy(
        deadline=5,
        resolver=lambda host, port: ["127.0.0.1", "10.9.9.9"],
        is_allowed=lambda host, ip: str(ip) == "127.0.0.1",
    )
    with pytest.raises(BlockedAddress, match="10.9.9.9"):
        fetch(site.url("/page", host="public.test"), policy)
    assert site.requests == []  # not even the allowed address was used


def test_connection_is_pinned_to_the_checked_address(site, monkeypatch):
    site.routes["/page"] = lambda h: h.reply(200, b"pinned")
    calls: list[str] = []

    def no_second_lookup(*args, **kw):
        raise AssertionError("the host was resolved again after the check")

    monkeypatch.setattr(addresses.socket, "getaddrinfo", no_second_lookup)
    got = fetch(site.url("/page", host="public.test"), public_test("public.test", calls=calls))
    assert got.body == b"pinned" and got.url == site.url("/page", host="public.test")
    assert calls == ["public.test"]
    assert site.requests[0][1]["host"] == f"public.test:{site.port}"


def test_redirect_to_private_address_is_refused(site):
    site.routes["/go"] = lambda h: h.reply(302, headers={"Location": site.url("/secret")})
    site.routes["/secret"] = lambda h: h.reply(200, b"metadata")
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1 is a private"):
        fetch(site.url("/go", host="public.test"), public_test("public.test"))
    assert site.paths() == ["/go"]


def test_redirect_across_origins_drops_cookies_keeps_other_headers(site):
    site.routes["/go"] = lambda h: h.reply(301, headers={"Location": site.url("/page", host="other.test")})
    site.routes["/page"] = lambda h: h.reply(200, b"moved")
    headers = {"Cookie": "session=1", "X-Trace": "t1"}
    got = fetch(
        site.url("/go", host="public.test"), public_test("public.test", "other.test"), headers=headers
    )
    assert got.body == b"moved" and got.url == site.url("/page", host="other.test")
    (_, first), (_, second) = site.requests
    assert first["cookie"] == "session=1" and first["x-trace"] == "t1"
    assert (
        "cookie" not in second and second["x-trace"] == "t1" and second["host"] == f"other.test:{site.port}"
    )


# --- redirects ------------------------------------------------------------------


def test_relative_redirect_is_followed(site):
    site.routes["/a/start"] = lambda h: h.reply(302, headers={"Location": "next?x=1#top"})
    site.routes["/a/next"] = lambda h: h.reply(200, b"arrived", {"Content-Type": "text/plain"})
    got = fetch(site.url("/a/start"), LOCAL)
    assert (got.status, got.body, got.url) == (200, b"arrived", site.url("/a/next?x=1"))
    assert site.paths() == ["/a/start", "/a/next?x=1"]


def test_redirect_loop_is_an_error(site):
    site.routes["/loop1"] = lambda h: h.reply(307, headers={"Location": "/loop2"})
    site.routes["/loop2"] = lambda h: h.reply(308, headers={"Location": site.url("/loop1")})
    with pytest.raises(FetchError, match="loop"):
        fetch(site.url("/loop1"), LOCAL)
    assert site.paths() == ["/loop1", "/loop2"]


def test_too_many_redirects_is_an_error(site):
    for n in range(10):
        site.routes[f"/hop{n}"] = lambda h, n=n: h.reply(302, headers={"Location": f"/hop{n + 1}"})
    with pytest.raises(FetchError, match="more than 3 times"):
        fetch(site.url("/hop0"), FetchPolicy(allow_private=True, deadline=10, max_redirects=3))
    assert site.paths() == ["/hop0", "/hop1", "/hop2", "/hop3"]


def test_redirect_to_another_scheme_is_refused(site):
    site.routes["/go"] = lambda h: h.reply(302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError, match="only http:// and https://"):
        fetch(site.url("/go"), LOCAL)


# --- deadline, cancel, size -----------------------------------------------------


def test_slow_drip_is_cut_off_at_the_total_deadline(site):
    site.routes["/drip"] = site.drip
    err, elapsed = timed(fetch, site.url("/drip"), FetchPolicy(allow_private=True, deadline=2))
    assert isinstance(err, FetchTimeout), err
    assert "2 s" in str(err)
    assert 1.5 < elapsed < 3.5


def test_cancel_stops_a_drip_promptly(site):
    site.routes["/drip"] = site.drip
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    err, elapsed = timed(
        fetch, site.url("/drip"), FetchPolicy(allow_private=True, deadline=30), cancel=cancel
    )
    assert isinstance(err, FetchCancelled), err
    assert elapsed < 0.5 + 1.5


def silent(site):
    def handler(h):  # reads the request, then says nothing at all
        site.stop.wait(20)

    return handler


def test_server_that_never_answers_is_cut_off_at_the_deadline(site):
    site.routes["/silent"] = silent(site)
    err, elapsed = timed(fetch, site.url("/silent"), FetchPolicy(allow_private=True, deadline=1))
    assert isinstance(err, FetchTimeout), err
    assert 0.8 < elapsed < 2


def test_cancel_while_waiting_for_the_response(site):
    site.routes["/silent"] = silent(site)
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    err, elapsed = timed(
        fetch, site.url("/silent"), FetchPolicy(allow_private=True, deadline=30), cancel=cancel
    )
    assert isinstance(err, FetchCancelled), err
    assert elapsed < 0.3 + 1.5


def test_slow_dns_is_cut_off_at_the_deadline():
    release = threading.Event()

    def stuck_resolver(host, port):
        release.wait(20)
        return ["127.0.0.1"]

    policy = FetchPolicy(deadline=1, resolver=stuck_resolver, is_allowed=lambda host, ip: True)
    try:
        err, elapsed = timed(fetch, "http://slow-dns.test/", policy)
    finally:
        release.set()
    assert isinstance(err, FetchTimeout), err
    assert 0.8 < elapsed < 2


@pytest.fixture
def unanswered_port():
    """A port whose listen queue is full: a new connect neither succeeds nor fails (Linux drops the SYN)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = [socket.socket() for _ in range(3)]
    try:
        for s in fillers:
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
        with socket.socket() as probe:
            probe.settimeout(0.3)
            try:
                probe.connect(("127.0.0.1", port))
            except TimeoutError:
                yield port
                return
        pytest.skip("here a connect to a full listen queue does not hang")
    finally:
        for s in [*fillers, server]:
            s.close()


def test_connect_that_hangs_is_cut_off_at_the_deadline(unanswered_port):
    url = f"http://127.0.0.1:{unanswered_port}/"
    err, elapsed = timed(fetch, url, FetchPolicy(allow_private=True, deadline=1))
    assert isinstance(err, FetchTimeout), err
    assert 0.8 < elapsed < 2


def test_cancel_while_connecting(unanswered_port):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    url = f"http://127.0.0.1:{unanswered_port}/"
    err, elapsed = timed(fetch, url, FetchPolicy(allow_private=True, deadline=30), cancel=cancel)
    assert isinstance(err, FetchCancelled), err
    assert elapsed < 0.3 + 1.5


def test_cancel_set_before_the_fetch_connects_nowhere(site):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(FetchCancelled):
        fetch(site.url("/page"), LOCAL, cancel=cancel)
    assert site.requests == []


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """A gzip body of ~100 KB that expands to 100 MB of zeros (built in 1 MB steps)."""
    z, zeros = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(MB)
    return b"".join(z.compress(zeros) for _ in range(100)) + z.flush()


def test_gzip_bomb_is_refused_with_bounded_memory(site, gzip_bomb):
    assert len(gzip_bomb) < 1 * MB
    site.routes["/bomb"] = lambda h: h.reply(200, gzip_bomb, {"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        err, elapsed = timed(
            fetch, site.url("/bomb"), FetchPolicy(allow_private=True, deadline=10, max_bytes=MB)
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(err, TooLarge), err
    assert "larger than the 1,048,576-byte limit" in str(err)
    assert elapsed < 2
    assert peak < 8 * MB


def test_content_length_over_the_cap_is_refused_before_reading(site):
    def huge(h):  # promises 50 MB, then sends nothing: reading would wait until the deadline
        h.reply(200, headers={"Content-Length": str(50 * MB)}, length=False)
        site.stop.wait(10)

    site.routes["/huge"] = huge
    err, elapsed = timed(fetch, site.url("/huge"), FetchPolicy(allow_private=True, deadline=8, max_bytes=MB))
    assert isinstance(err, TooLarge), err
    assert elapsed < 1


def test_body_over_the_cap_without_length_is_refused(site):
    site.routes["/big"] = lambda h: h.reply(200, b"x" * (2 * MB), length=False)
    with pytest.raises(TooLarge, match="larger than the 1,048,576-byte limit"):
        fetch(site.url("/big"), FetchPolicy(allow_private=True, deadline=10, max_bytes=MB))
    assert fetch(
        site.url("/big"), FetchPolicy(allow_private=True, deadline=10, max_bytes=2 * MB)
    ).body == b"x" * (2 * MB)


# --- statuses -------------------------------------------------------------------


def test_not_modified_is_returned_not_raised(site):
    def conditional(h):
        if h.headers.get("If-None-Match") == '"v1"':
            h.reply(304, headers={"ETag": '"v1"'}, length=False)
        else:
            h.reply(200, b"fresh", {"ETag": '"v1"'})

    site.routes["/feed"] = conditional
    got = fetch(site.url("/feed"), LOCAL, headers={"If-None-Match": '"v1"'})
    assert (got.status, got.body, got.headers["etag"]) == (304, b"", '"v1"')
    assert fetch(site.url("/feed"), LOCAL).body == b"fresh"


def test_429_exposes_retry_after(site):
    site.routes["/busy"] = lambda h: h.reply(429, b"slow down", {"Retry-After": "7"})
    with pytest.raises(FetchError) as caught:
        fetch(site.url("/busy"), LOCAL)
    assert caught.value.status == 429 and caught.value.retry_after == 7
    assert "HTTP 429" in str(caught.value) and "\n" not in str(caught.value)


def test_503_retry_after_as_http_date(site):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    site.routes["/down"] = lambda h: h.reply(503, b"", {"Retry-After": when})
    with pytest.raises(FetchError) as caught:
        fetch(site.url("/down"), LOCAL)
    assert caught.value.status == 503 and 100 < caught.value.retry_after <= 120


def test_404_names_the_status(site):
    with pytest.raises(FetchError, match="HTTP 404") as caught:
        fetch(site.url("/missing"), LOCAL)
    assert caught.value.status == 404 and caught.value.retry_after is None


# --- URLs -----------------------------------------------------------------------


def test_credentials_never_appear_in_errors(site):
    url = site.url("/missing", host="alice:s3cret@127.0.0.1")
    for policy in (LOCAL, FetchPolicy(deadline=5)):  # an HTTP error and a refusal
        with pytest.raises(FetchError) as caught:
            fetch(url, policy)
        message = str(caught.value)
        assert "s3cret" not in message and "alice" not in message and "***@127.0.0.1" in message
        assert "s3cret" not in caught.value.url
    # ...but they are sent, as Basic auth, to the URL's own server
    assert site.requests[0][1]["authorization"] == "Basic " + base64.b64encode(b"alice:s3cret").decode()


def test_redact():
    assert redact("https://u:p@example.com/x?y=1") == "https://***@example.com/x?y=1"
    assert redact("http://token@example.com/") == "http://***@example.com/"
    assert redact("https://example.com/a@b") == "https://example.com/a@b"
    assert redact(" //u:p@example.com/") == " //***@example.com/"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/file",
        "gopher://example.com/",
        "javascript:alert(1)",
        "//example.com/",
    ],
)
def test_non_http_schemes_are_refused(url):
    err, elapsed = timed(fetch, url)
    assert isinstance(err, FetchError) and "only http:// and https://" in str(err), err
    assert elapsed < 0.5


# --- TLS: pinned address, certificate and SNI for the name ----------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=public.test",
         "-addext", "subjectAltName=DNS:public.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_site(certificate):
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(*certificate)
    names: list[str | None] = []
    server.sni_callback = lambda sock, name, ctx: names.append(name)
    s = Site(tls=server)
    s.sni = names
    s.routes["/page"] = lambda h: h.reply(200, b"secure", {"Content-Type": "text/plain; charset=utf-8"})
    yield s
    s.close()


def client_tls(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def test_https_connects_to_pinned_address_with_sni_and_certificate_for_the_name(tls_site, certificate):
    policy = FetchPolicy(**{**public_test("public.test").__dict__, "ssl_context": client_tls(certificate)})
    got = fetch(tls_site.url("/page", host="public.test", scheme="https"), policy)
    assert (got.body, got.charset) == (b"secure", "utf-8")
    assert tls_site.sni == ["public.test"]
    assert tls_site.requests[0][1]["host"] == f"public.test:{tls_site.port}"


def test_https_certificate_for_another_name_is_refused(tls_site, certificate):
    policy = FetchPolicy(**{**public_test("other.test").__dict__, "ssl_context": client_tls(certificate)})
    with pytest.raises(FetchError, match="certificate"):
        fetch(tls_site.url("/page", host="other.test", scheme="https"), policy)
    assert tls_site.requests == []
