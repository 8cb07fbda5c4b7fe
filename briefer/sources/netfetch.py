"""One safe GET for every page, feed and redirect: address-checked, pinned, deadline-bound, size-capped.

URLs come from strangers' feeds and pages: an entry may point at cloud metadata
(``http://169.254.169.254/``) or the user's router. So every hop's host is
resolved once and ALL its addresses must pass :func:`is_public_ip` (IPv4 inside
mapped, compatible, 6to4 or NAT64 IPv6 is judged as IPv4) unless
``allow_private``; redirects are followed here, so each hop is checked again.
The connection is pinned to the checked addresses (:mod:`briefer.netconn`): if
the client resolved the name again, DNS rebinding (public for the check,
127.0.0.1 for the connect) would get through; the URL keeps the name for Host,
SNI and the certificate. The deadline is total, not per read: a server dripping
a byte per socket timeout would otherwise hold a worker forever, so every wait,
DNS included, is sliced and checks the deadline and ``cancel``. gzip/deflate
are decoded here with ``max_length`` and capped while streaming (gzip bombs).
"""

from __future__ import annotations

import base64
import ipaddress
import ssl
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpcore2

from briefer._version import __version__
from briefer.errors import InputError, redact

from .addresses import IPAddress, is_public_ip, resolve
from .netconn import Deadline, PinnedBackend, run_within

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SAFE = "/%:@!$&'()*+,;=~-._?[]"  # kept in the request target; spaces, CR/LF and non-ASCII get %-encoded
_SENSITIVE = frozenset({"authorization", "cookie", "proxy-authorization"})  # first origin only
_OURS = frozenset({"host", "accept-encoding", "content-length", "transfer-encoding", "connection"})


USER_AGENT = f"briefer/{__version__}"  # names briefer and its version on every request


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool = False  # opt-in for intranet users
    deadline: float = 20.0  # TOTAL seconds per fetch: DNS, connect, TLS, all reads, all redirects
    max_bytes: int = 20 * 1024 * 1024  # cap on wire and decoded bytes, enforced while streaming
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    resolver: Callable[[str, int], list[str]] | None = None  # None: resolve() (getaddrinfo)
    is_allowed: Callable[[str, IPAddress], bool] | None = None  # None: allow_private or is_public_ip
    ssl_context: ssl.SSLContext | None = None  # None: httpcore2's default (certifi)


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects, without user:password
    status: int  # 2xx, or 304 (empty body) for a conditional request
    headers: dict[str, str]  # lowercased names; repeated headers joined with ", "
    body: bytes  # Content-Encoding removed
    content_type: str | None  # the Content-Type header as sent
    charset: str | None


class FetchError(InputError):
    """A URL could not be fetched; ``url`` is redacted; ``status``/``retry_after`` for HTTP errors."""

    def __init__(
        self, message: str, *, url: str, status: int | None = None, retry_after: float | None = None
    ):
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


def fetch(
    url: str,
    policy: FetchPolicy = FetchPolicy(),  # noqa: B008 (frozen, never mutated)
    *,
    cancel: threading.Event | None = None,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET ``url``, following redirects here so that every hop is checked and pinned."""
    first = _parse(url)
    late = (
        f"{first.shown} did not answer within {policy.deadline:g} s (timeout for the whole download);"
        " try again later or raise the timeout"
    )
    stop = f"fetching {first.shown} was cancelled"
    clock = Deadline(
        policy.deadline,
        cancel,
        lambda: FetchTimeout(late, url=first.shown),
        lambda: FetchCancelled(stop, url=first.shown),
    )
    current, seen = url, set()
    for _ in range(policy.max_redirects + 1):
        target = _parse(current)
        pinned = _checked_addresses(target, policy, clock)
        extra = {
            k: v
            for k, v in (headers or {}).items()
            if k.lower() not in _OURS and (target.origin == first.origin or k.lower() not in _SENSITIVE)
        }
        got = _exchange(target, pinned, policy, extra, clock)
        if got.status not in _REDIRECTS:
            return got
        seen.add(current.split("#", 1)[0])
        current = _next_url(current, got.headers.get("location"), seen)
    raise FetchError(f"{first.shown} redirected more than {policy.max_redirects} times", url=first.shown)


@dataclass(frozen=True)
class _Target:
    url: str  # without userinfo or fragment
    shown: str
    origin: tuple[str, str, int]
    host_header: str
    path: str
    auth: str | None  # Basic credentials from the URL, sent to this URL's own server only


def _parse(url: str) -> _Target:
    shown = redact(url)
    try:
        parts = urlsplit(url.strip())
        port, host = parts.port, (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as e:
        raise FetchError(f"{shown} is not a valid URL ({e}); check the address", url=shown) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise FetchError(f"{shown} cannot be fetched: only http:// and https:// URLs can", url=shown)
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    path = quote(parts.path or "/", safe=_SAFE) + (f"?{quote(parts.query, safe=_SAFE)}" * bool(parts.query))
    auth = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        auth = "Basic " + base64.b64encode(pair).decode("ascii")
    origin = (scheme, host, port or (443 if scheme == "https" else 80))
    return _Target(parts._replace(netloc=netloc, fragment="").geturl(), shown, origin, netloc, path, auth)


def _checked_addresses(target: _Target, policy: FetchPolicy, clock: Deadline) -> list[str]:
    """Resolve the host once; refuse if ANY of its addresses is not allowed."""
    _, host, port = target.origin
    try:
        addresses = [str(ipaddress.ip_address(host))]  # an IP literal needs no lookup
    except ValueError:
        resolver = policy.resolver or resolve
        try:
            addresses = run_within(clock, lambda: resolver(host, port))
        except OSError as e:
            raise FetchError(f"{target.shown}: cannot resolve {host} ({e})", url=target.shown) from None
    allowed = policy.is_allowed or (lambda _host, ip: policy.allow_private or is_public_ip(ip))
    for ip in map(ipaddress.ip_address, addresses):
        if not allowed(host, ip):
            what = f"{ip} is" if host == str(ip) else f"{host} resolves to {ip},"
            msg = f"{target.shown}: {what} a private or reserved address; fetching it is not allowed"
            hint = "for an intranet source, pass --allow-private-hosts, or set allow_private_hosts = true in a digest config"
            raise BlockedAddress(f"{msg}; {hint}", url=target.shown)
    if not addresses:
        raise FetchError(f"{target.shown}: {host} resolves to no address", url=target.shown)
    return addresses


def _next_url(current: str, location: str | None, seen: set[str]) -> str:
    shown = redact(current)
    if not location:
        raise FetchError(f"{shown} redirected without a Location header", url=shown)
    following = urljoin(current, location.strip())
    if following.split("#", 1)[0] in seen:
        raise FetchError(f"{shown} redirects in a loop (via {redact(following)})", url=shown)
    return following


def _exchange(target: _Target, pinned: list[str], policy: FetchPolicy, extra: dict, clock: Deadline):
    """One GET over a connection pinned to ``pinned``; a redirect or 304 comes back without a body."""
    sent = {"Host": target.host_header, "User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"}
    sent |= extra  # may replace User-Agent; Host and Accept-Encoding were filtered out
    if target.auth and not any(k.lower() == "authorization" for k in sent):
        sent["Authorization"] = target.auth
    scheme, host, port = target.origin
    url = httpcore2.URL(scheme=scheme, host=host, port=port, target=target.path)
    tls = policy.ssl_context or httpcore2.default_ssl_context()
    pool = httpcore2.ConnectionPool(ssl_context=tls, network_backend=PinnedBackend(pinned, clock))
    try:
        with pool, pool.stream("GET", url, headers=list(sent.items())) as response:
            return _response(target, response, policy.max_bytes)
    except (httpcore2.NetworkError, httpcore2.ProtocolError, httpcore2.TimeoutException) as e:
        reason = str(e) or type(e).__name__
        raise FetchError(
            f"{target.shown} cannot be fetched: {reason}; check the address and your network connection",
            url=target.shown,
        ) from None


def _response(target: _Target, response: httpcore2.Response, max_bytes: int) -> Fetched:
    headers: dict[str, str] = {}
    for key, value in response.headers:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        headers[name] = f"{headers[name]}, {text}" if name in headers else text
    status, body = response.status, b""
    if 200 <= status < 300:
        body = _read_body(response.iter_stream(), headers, max_bytes, target.shown)
    elif status != 304 and status not in _REDIRECTS:
        reason = response.extensions.get("reason_phrase", b"").decode("latin-1")
        raise _status_error(target.shown, status, reason, headers.get("retry-after"))
    message, ctype = Message(), headers.get("content-type")
    message["content-type"] = ctype or ""
    return Fetched(target.url, status, headers, body, ctype, message.get_content_charset() if ctype else None)


def _status_error(shown: str, status: int, reason: str, retry_after: str | None) -> FetchError:
    retry = _seconds_from_now(retry_after) if status in (429, 503) else None
    todo = "check the URL" if status < 500 else "the server failed, try again later"
    todo = todo if retry is None else f"try again in {retry:g} s"
    msg = f"{shown} answered {f'HTTP {status} {reason}'.strip()}; {todo}"
    return FetchError(msg, url=shown, status=status, retry_after=retry)


def _seconds_from_now(value: str | None) -> float | None:
    """A Retry-After value (delta-seconds or an HTTP date) as seconds from now."""
    if value and value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _read_body(chunks: Iterable[bytes], headers: dict[str, str], max_bytes: int, shown: str) -> bytes:
    big = TooLarge(f"{shown} is larger than the {max_bytes:,}-byte limit; pass a smaller page", url=shown)
    length = headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > max_bytes:
        raise big  # refused before reading any of it
    decode, body, wire = _decoder(headers.get("content-encoding"), shown), bytearray(), 0
    for chunk in chunks:  # each read of the stream checks the deadline and the cancel event
        wire += len(chunk)
        body += decode(chunk, max_bytes + 1 - len(body))
        if len(body) > max_bytes or wire > max_bytes:
            raise big
    return bytes(body)


def _decoder(encoding: str | None, shown: str) -> Callable[[bytes, int], bytes]:
    """``decode(data, limit)`` for a Content-Encoding, never producing more than ``limit`` bytes."""
    enc = (encoding or "identity").strip().lower()
    if enc == "identity":
        return lambda data, limit: data
    if enc not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"{shown} was sent with unsupported Content-Encoding {enc!r}", url=shown)
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header

    def decode(data: bytes, limit: int) -> bytes:
        try:
            return inflate.decompress(data, limit)
        except zlib.error as e:
            raise FetchError(f"{shown} sent corrupt {enc} data ({e})", url=shown) from None

    return decode
