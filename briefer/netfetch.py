"""One safe way to GET an http(s) URL: every article page, feed and redirect goes through :func:`fetch`.

URLs come from feeds and pages written by strangers, so a feed entry may point
at ``http://169.254.169.254/`` (cloud metadata), ``http://localhost:8080/admin``
or the user's router. The design follows from that:

* **Address check.** Each hop's host is resolved once and *every* address must
  be public (:func:`is_public_ip`: not loopback, private, link-local, shared,
  multicast, reserved, unspecified or site-local, also when hidden inside an
  IPv4-mapped/-compatible, 6to4 or NAT64 IPv6 address), unless
  ``FetchPolicy.allow_private``. Redirects are followed here, not by the HTTP
  client, so every hop is checked again.
* **Pinning.** Checking a name and then letting the client resolve it again
  leaves a window for DNS rebinding (a name answering a public address to the
  check and 127.0.0.1 to the connect). So the checked addresses are the only
  ones used: :class:`_PinnedBackend`, an httpcore2 network backend, ignores the
  host name it is asked for and connects to them, while the request URL keeps
  the name, so the Host header, TLS SNI and certificate check are for the name.
* **Total deadline.** Socket timeouts bound one read, not a download: a server
  dripping a byte just before each timeout would hold a reader forever. Every
  wait (DNS, connect, TLS handshake, each read and write) is sliced into waits
  of at most ``TICK`` seconds; between slices the monotonic deadline and the
  ``cancel`` event are checked, so a fetch ends within ``TICK`` of either.
* **Size cap while streaming.** gzip/deflate are decoded here with
  ``zlib.decompressobj(max_length=...)``; neither the bytes on the wire nor the
  decoded body may pass ``max_bytes``, so a gzip bomb stops after ~1 chunk.

Errors are :class:`FetchError` (an :class:`~briefer.errors.InputError`) with a
one-line message in which credentials of URLs are redacted (:func:`redact`).
"""

from __future__ import annotations

import base64
import errno
import ipaddress
import re
import selectors
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpcore2

from briefer.errors import InputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
TICK = 0.25  # longest single wait before the deadline and cancel event are checked again
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ENCODINGS = ("identity", "gzip", "x-gzip", "deflate")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SAFE = "/%:@!$&'()*+,;=~-._?[]"  # left as is in the request target; spaces, CR/LF, non-ASCII get %-encoded
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#]*@")
_SENSITIVE = frozenset({"authorization", "cookie", "proxy-authorization"})
_OURS = frozenset({"host", "accept-encoding", "content-length", "transfer-encoding", "connection"})
_IN_PROGRESS = frozenset({errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, getattr(errno, "WSAEWOULDBLOCK", -1)})


def make_user_agent(version: str = "0.1.0") -> str:
    return f"briefer/{version} (+https://github.com/briefer)"


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool = False  # opt-in for intranet users
    deadline: float = 20.0  # TOTAL seconds per download: DNS, connect, TLS, every read, every redirect
    max_bytes: int = 20 * 1024 * 1024  # cap on wire and decoded body, enforced while streaming
    max_redirects: int = 5
    user_agent: str = make_user_agent()
    resolver: Callable[[str, int], list[str]] | None = None  # None: resolve() (getaddrinfo)
    is_allowed: Callable[[str, IPAddress], bool] | None = None  # None: allow_private or is_public_ip(ip)
    ssl_context: ssl.SSLContext | None = None  # None: httpcore2's default (certifi)


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects, without user:password
    status: int  # 2xx, or 304 for a conditional request (empty body)
    headers: dict[str, str]  # lowercased names; repeated headers joined with ", "
    body: bytes  # decoded (gzip/deflate removed)
    content_type: str | None  # the Content-Type header as sent
    charset: str | None


class FetchError(InputError):
    """A URL could not be fetched; ``url`` is redacted, ``status``/``retry_after`` are set for HTTP errors."""

    def __init__(self, message: str, *, url: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(" ".join(message.split()))  # always one line
        self.url, self.status, self.retry_after = url, status, retry_after


class BlockedAddress(FetchError):
    """The host is (or resolves to) an address the policy does not allow."""


class FetchTimeout(FetchError):
    """The total deadline passed."""


class TooLarge(FetchError):
    """The body is larger than ``max_bytes``."""


class FetchCancelled(FetchError):
    """The caller's cancel event was set."""


def redact(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``, safe to show and log."""
    return _USERINFO.sub(r"\1***@", url)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the default ``FetchPolicy.resolver``)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_ip(ip: IPAddress) -> bool:
    """True for a globally routable unicast address; IPv4 embedded in IPv6 is judged as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return is_public_ip(inner)
        if ip.is_site_local:
            return False
    special = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
    return ip.is_global and not (special or ip.is_reserved or ip.is_unspecified)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None or ip.sixtofour is not None:
        return ip.ipv4_mapped or ip.sixtofour
    if ip in _NAT64 or int(ip) >> 32 == 0:  # NAT64 well-known prefix, IPv4-compatible ::a.b.c.d (and ::, ::1)
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def fetch(
    url: str,
    policy: FetchPolicy = FetchPolicy(),
    *,
    cancel: threading.Event | None = None,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET ``url``; redirects are followed here so that every hop is checked and pinned."""
    clock = _Clock(policy.deadline, cancel, redact(url))
    current, seen = url, set()
    for _ in range(policy.max_redirects + 1):
        target = _parse(current)
        addresses = _checked_addresses(target, policy, clock)
        same_origin = target.origin == _parse(url).origin
        got = _exchange(target, addresses, policy, _hop_headers(headers, same_origin), clock)
        if got.status not in _REDIRECTS:
            return got
        seen.add(current.split("#", 1)[0])
        current = _next_url(current, got.headers.get("location"), seen)
    shown = redact(url)
    raise FetchError(f"{shown} redirected more than {policy.max_redirects} times; check the URL", url=shown)


# --- time ---------------------------------------------------------------------


class _Clock:
    """The total deadline and the cancel event of one fetch."""

    def __init__(self, seconds: float, cancel: threading.Event | None, shown: str):
        self.seconds, self.end, self.cancel, self.shown = seconds, time.monotonic() + seconds, cancel, shown

    def remaining(self) -> float:
        """Seconds left; raises FetchCancelled or FetchTimeout when there is nothing left to wait for."""
        if self.cancel is not None and self.cancel.is_set():
            raise FetchCancelled(f"fetching {self.shown} was cancelled", url=self.shown)
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchTimeout(
                f"{self.shown} was not fetched within {self.seconds:g} s (total deadline); try again later",
                url=self.shown,
            )
        return left

    def tick(self) -> float:
        return min(self.remaining(), TICK)


def _within(clock: _Clock, fn: Callable[[], Any]) -> Any:
    """Run a blocking call that has no timeout of its own (getaddrinfo) in a thread, up to the deadline."""
    box: list[tuple[bool, Any]] = []
    done = threading.Event()

    def run() -> None:
        try:
            box.append((True, fn()))
        except BaseException as e:  # handed to the caller below
            box.append((False, e))
        done.set()

    threading.Thread(target=run, name="briefer-resolve", daemon=True).start()
    while not done.wait(clock.tick()):
        pass
    ok, value = box[0]
    if not ok:
        raise value
    return value


# --- one hop ------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str  # without userinfo
    shown: str
    origin: tuple[str, str, int]
    host_header: str
    path: str
    auth: str | None


def _parse(url: str) -> _Target:
    shown = redact(url)
    try:
        parts = urlsplit(url.strip())
        port, host = parts.port, (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as e:
        raise FetchError(f"{shown} is not a valid URL ({e}); check the address", url=shown) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"{shown} is not supported: only http:// and https:// URLs can be fetched", url=shown)
    if not host:
        raise FetchError(f"{shown} has no host name; check the address", url=shown)
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    path = quote(parts.path or "/", safe=_SAFE) + (f"?{quote(parts.query, safe=_SAFE)}" if parts.query else "")
    auth = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    origin = (scheme, host, port or (443 if scheme == "https" else 80))
    bare = parts._replace(netloc=netloc, fragment="").geturl()
    return _Target(bare, shown, origin, netloc, path, auth)


def _checked_addresses(target: _Target, policy: FetchPolicy, clock: _Clock) -> list[str]:
    """Resolve the host once; refuse if ANY of its addresses is not allowed."""
    host, port = target.origin[1], target.origin[2]
    try:
        addresses = [str(ipaddress.ip_address(host))]  # an IP literal needs no lookup
    except ValueError:
        resolver = policy.resolver or resolve
        try:
            addresses = _within(clock, lambda: resolver(host, port))
        except OSError as e:
            raise FetchError(f"{target.shown}: {host} cannot be resolved ({e}); check the address", url=target.shown)
    if not addresses:
        raise FetchError(f"{target.shown}: {host} resolves to no address; check the address", url=target.shown)
    for address in addresses:
        ip = ipaddress.ip_address(address)
        allowed = policy.is_allowed(host, ip) if policy.is_allowed else policy.allow_private or is_public_ip(ip)
        if not allowed:
            what = f"{ip} is" if host == str(ip) else f"{host} resolves to {ip},"
            raise BlockedAddress(
                f"{target.shown}: {what} a private or reserved address; fetching it is not allowed"
                " (set allow_private for intranet sources)",
                url=target.shown,
            )
    return addresses


def _hop_headers(extra: dict[str, str] | None, same_origin: bool) -> dict[str, str]:
    """The caller's headers (not framing ones); credentials and cookies only on the first origin."""
    return {
        k: v for k, v in (extra or {}).items() if k.lower() not in _OURS and (same_origin or k.lower() not in _SENSITIVE)
    }


def _next_url(current: str, location: str | None, seen: set[str]) -> str:
    shown = redact(current)
    if not location:
        raise FetchError(f"{shown} redirected without a Location header; check the URL", url=shown)
    following = urljoin(current, location.strip())
    if following.split("#", 1)[0] in seen:
        raise FetchError(f"{shown} redirects in a loop (via {redact(following)}); check the URL", url=shown)
    return following


def _exchange(target: _Target, addresses: list[str], policy: FetchPolicy, extra: dict[str, str], clock: _Clock):
    """One GET over a connection pinned to ``addresses``; a redirect or 304 comes back with no body."""
    sent = {"Host": target.host_header, "User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"}
    sent.update(extra)  # may replace User-Agent, never Host or Accept-Encoding (filtered out)
    if target.auth and not any(k.lower() == "authorization" for k in sent):
        sent["Authorization"] = target.auth
    scheme, host, port = target.origin
    url = httpcore2.URL(scheme=scheme, host=host, port=port, target=target.path)
    ssl_context = policy.ssl_context or httpcore2.default_ssl_context()
    pool = httpcore2.ConnectionPool(ssl_context=ssl_context, network_backend=_PinnedBackend(addresses, clock))
    try:
        with pool, pool.stream("GET", url, headers=list(sent.items())) as response:
            return _response(target, response, policy.max_bytes, clock)
    except (httpcore2.NetworkError, httpcore2.ProtocolError, httpcore2.TimeoutException) as e:
        reason = " ".join(str(e).split()) or type(e).__name__
        raise FetchError(f"{target.shown} cannot be fetched: {reason}; check the address and your network", url=target.shown)


def _response(target: _Target, response: httpcore2.Response, max_bytes: int, clock: _Clock) -> Fetched:
    headers: dict[str, str] = {}
    for key, value in response.headers:
        name = key.decode("latin-1").lower()
        headers[name] = f"{headers[name]}, {value.decode('latin-1')}" if name in headers else value.decode("latin-1")
    status, body = response.status, b""
    if not (200 <= status < 300 or status == 304 or status in _REDIRECTS):
        raise _status_error(target.shown, status, response.extensions.get("reason_phrase", b""), headers)
    if 200 <= status < 300:
        body = _read_body(response.iter_stream(), headers, max_bytes, target.shown, clock)
    ctype = headers.get("content-type")
    message = Message()
    message["content-type"] = ctype or ""
    return Fetched(target.url, status, headers, body, ctype, message.get_content_charset() if ctype else None)


def _status_error(shown: str, status: int, reason: bytes, headers: dict[str, str]) -> FetchError:
    retry = _retry_after(headers.get("retry-after")) if status in (429, 503) else None
    todo = "check the URL" if status < 500 else "the server failed, try again later"
    if retry is not None:
        todo = f"try again in {retry:g} s"
    text = f"HTTP {status} {reason.decode('latin-1')}".strip()
    return FetchError(f"{shown} answered {text}; {todo}", url=shown, status=status, retry_after=retry)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# --- body ---------------------------------------------------------------------


def _read_body(chunks: Iterable[bytes], headers: dict[str, str], max_bytes: int, shown: str, clock: _Clock) -> bytes:
    too_large = TooLarge(f"{shown} is larger than the {max_bytes / 2**20:g} MB limit; pass a smaller page", url=shown)
    length = headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > max_bytes:
        raise too_large  # refused before reading any of it
    decoder, body, wire = _Decoder(headers.get("content-encoding"), shown), bytearray(), 0
    for chunk in chunks:
        pass
        wire += len(chunk)
        body += decoder.feed(chunk, max_bytes + 1 - len(body))
        if len(body) > max_bytes or wire > max_bytes:
            raise too_large
    return bytes(body)


class _Decoder:
    """Undo Content-Encoding (identity, gzip, deflate), never producing more than asked for."""

    def __init__(self, encoding: str | None, shown: str):
        enc = (encoding or "identity").strip().lower()
        if enc not in _ENCODINGS:
            raise FetchError(f"{shown} was sent with unsupported Content-Encoding {enc!r}", url=shown)
        self.shown, self.raw_ok = shown, enc == "deflate"  # some servers send deflate without zlib header
        self.z = None if enc == "identity" else zlib.decompressobj(zlib.MAX_WBITS | 32)

    def feed(self, data: bytes, limit: int) -> bytes:
        if self.z is None:
            return data
        try:
            try:
                return self.z.decompress(data, limit)
            except zlib.error:
                if not self.raw_ok:
                    raise
                self.z, self.raw_ok = zlib.decompressobj(-zlib.MAX_WBITS), False
                return self.z.decompress(data, limit)
        except zlib.error as e:
            raise FetchError(f"{self.shown} sent corrupt compressed data ({e}); try again later", url=self.shown)
        finally:
            self.raw_ok = False  # only the very first bytes may switch to raw deflate


# --- pinned, deadline-aware network -------------------------------------------


def _patiently(sock: socket.socket, clock: _Clock, op: Callable[..., Any], *args: Any) -> Any:
    """``op(*args)`` in slices of at most TICK seconds, checking deadline and cancel between slices."""
    while True:
        sock.settimeout(5)
        try:
            return op(*args)
        except TimeoutError:
            continue


class _PinnedBackend(httpcore2.NetworkBackend):
    """Connects to the checked addresses only, whatever host name httpcore2 asks for."""

    def __init__(self, addresses: list[str], clock: _Clock):
        self.addresses, self.clock = addresses, clock

    def connect_tcp(self, host: str, port: int, timeout=None, local_address=None, socket_options=None):
        failures = []
        for address in self.addresses:
            try:
                return _DeadlineStream(self._connect(address, port), self.clock)
            except OSError as e:
                failures.append(f"{address} port {port}: {e.strerror or e}")
        raise httpcore2.ConnectError("; ".join(failures))

    def _connect(self, address: str, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            code = sock.connect_ex((address, port))
            with selectors.DefaultSelector() as selector:  # Windows: reports failed connects too
                selector.register(sock, selectors.EVENT_WRITE)
                while code in _IN_PROGRESS:
                    if selector.select(self.clock.tick()):
                        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, errno.errorcode.get(code, str(code)))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except BaseException:
            sock.close()
            raise


class _DeadlineStream(httpcore2.NetworkStream):
    """A socket whose every wait is sliced by :func:`_patiently`; timeouts httpcore2 passes are ignored."""

    def __init__(self, sock: socket.socket, clock: _Clock):
        self.sock, self.clock = sock, clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return _patiently(self.sock, self.clock, self.sock.recv, max_bytes)
        except OSError as e:
            raise httpcore2.ReadError(str(e)) from e

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        try:
            while view:
                view = view[_patiently(self.sock, self.clock, self.sock.send, view) :]
        except OSError as e:
            raise httpcore2.WriteError(str(e)) from e

    def close(self) -> None:
        self.sock.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout=None):
        tls = ssl_context.wrap_socket(self.sock, server_hostname=server_hostname, do_handshake_on_connect=False)
        try:
            _patiently(tls, self.clock, tls.do_handshake)
        except BaseException as e:
            tls.close()
            if isinstance(e, OSError):
                raise httpcore2.ConnectError(f"TLS with {server_hostname} failed: {e}") from e
            raise
        return _DeadlineStream(tls, self.clock)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self.sock if isinstance(self.sock, ssl.SSLSocket) else None
        return self.sock if info == "socket" else None
