"""The one place briefer talks to Apprise: open a destination, send one message, say why it failed.

Apprise sends; briefer never writes an SMTP or chat client. Apprise reports
only success or failure, so while a message is sent its log records are
caught (and kept from every other handler: a debug record may hold a payload)
and turned into one line naming the destination and what to do. Those lines
are built from fixed wording and numbers (an HTTP status), never from the
records' text, so no credential can travel with them.

A destination is shown redacted everywhere: its scheme and host (when the
host is a real host name, not a token), ``/…`` for any path or query, and the
first characters of its fingerprint (the sha256 of its URL), so two
destinations on one host can be told apart.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .destinations import Destination

# Gmail clips a message whose HTML is over 102 KB; the cut stays below that.
EMAIL_LIMIT = 100_000
_HOST = re.compile(r"^(localhost|[\w-]+(\.[\w-]+)+|\[[0-9a-fA-F:]+\])$")
_NETLOC = re.compile(r"^(?:[^@/]*@)?([^:/?#]*)(?::(\d+))?$")


class Unavailable(Exception):
    """A destination cannot be opened (unset variable, URL Apprise does not know); the message is redacted."""


@dataclass(frozen=True)
class Target:
    """An opened destination: how it is shown, its fingerprint, its kind and size limit, the Apprise plugin."""

    destination: Destination
    shown: str
    fingerprint: str
    kind: str  # "email", "chat" or "json"
    limit: int  # characters of one message
    plugin: Any
    address: tuple[str, int] | None  # host and port, when known: what `briefer doctor` connects to


def shown(url: str, env: str | None = None) -> str:
    """``url`` with nothing secret in it: scheme, real host and port, ``/…``, a fingerprint prefix."""
    scheme, _, rest = url.partition("://")
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    match = _NETLOC.match(netloc)
    host = match.group(1) if match and _HOST.match(match.group(1)) else "…"
    port = f":{match.group(2)}" if match and match.group(2) and host != "…" else ""
    tail = "/…" if rest[len(netloc) :] or host == "…" else ""
    via = f" from env:{env}" if env else ""
    return f"{scheme}://{host}{port}{tail} [{fingerprint(url)[:8]}]{via}"


def fingerprint(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def open_target(destination: Destination) -> Target:
    """Resolve ``env:NAME`` and let Apprise parse the URL; :class:`Unavailable` when either fails."""
    import apprise
    from apprise.plugins.custom_json import NotifyJSON
    from apprise.plugins.email import NotifyEmail

    env = destination.env_name
    url = os.environ.get(env, "").strip() if env else destination.url
    if not url:
        raise Unavailable(
            f"env:{env}: the variable is not set; put the destination's URL in the environment file the"
            " cron or systemd units read (`briefer schedule CONFIG --print-cron` shows it)"
        )
    name = shown(url, env)
    with quiet_apprise():
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise Unavailable(f"{name}: not a URL Apprise can send to; check it against Apprise's URL forms")
    if isinstance(plugin, NotifyEmail):
        kind, limit, address = "email", EMAIL_LIMIT, (plugin.smtp_host, plugin.port)
    else:
        kind = "json" if isinstance(plugin, NotifyJSON) else "chat"
        limit, address = plugin.body_maxlen, _address(plugin)
    return Target(destination, name, fingerprint(url), kind, limit, plugin, address)


def _address(plugin: Any) -> tuple[str, int] | None:
    host, port = getattr(plugin, "host", None), getattr(plugin, "port", None)
    if not isinstance(host, str) or not _HOST.match(host):
        return None
    return host, port if isinstance(port, int) else (443 if getattr(plugin, "secure", False) else 80)


class _Catch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.lines.append(record.getMessage())


# Loggers that may see a URL's secrets while a message is sent (urllib3 logs each request's path).
_SENDERS = ("apprise", "urllib3", "requests", "requests_oauthlib")


@contextlib.contextmanager
def quiet_apprise() -> Iterator[_Catch]:
    """The senders' log records go to the returned catcher only, never to briefer's handlers."""
    catch = _Catch()
    loggers = [logging.getLogger(name) for name in _SENDERS]
    saved = [(logger.level, logger.propagate, list(logger.handlers)) for logger in loggers]
    for logger in loggers:
        logger.handlers, logger.propagate = [catch], False
        logger.setLevel(logging.DEBUG)
    try:
        yield catch
    finally:
        for logger, (level, propagate, handlers) in zip(loggers, saved):
            logger.handlers, logger.propagate = handlers, propagate
            logger.setLevel(level)


def send(target: Target, subject: str, body: str, body_format: str) -> str | None:
    """Send one message; None when the service took it, else the reason as one redacted line."""
    with quiet_apprise() as catch:
        try:
            title = "" if target.kind == "chat" else subject  # a chat message carries its own first line
            ok = target.plugin.notify(body=body, title=title, body_format=body_format)
        except Exception as exc:  # noqa: BLE001 -- a plugin bug is a failed destination, not a failed digest
            ok = False
            catch.lines.append(type(exc).__name__)
    return None if ok else f"{target.shown}: {why(target, catch.lines)}"


def why(target: Target, lines: list[str]) -> str:
    """What went wrong, from Apprise's log lines, and what to do; fixed wording, no text of the lines."""
    text = "\n".join(lines).lower()
    where = f"{target.address[0]}:{target.address[1]}" if target.address else "the service"
    status = re.search(r"error=(\d{3})", text)
    if target.kind == "email" and re.search(r"\b53[45]\b|authenticat|auth not supported", text):
        return "the mail server refused the user name or password; correct them in the URL (or its env file)"
    if "certificate" in text or "ssl" in text and "wrong version" in text:
        return f"the TLS handshake with {where} failed; check the mode (starttls or ssl) and the certificate"
    if status and status.group(1).startswith("5"):
        return (
            f"{where} answered HTTP {status.group(1)} (a failure on its side); it is tried again on the next"
            " run, or now with `briefer deliver CONFIG`"
        )
    if status:
        return f"{where} refused the message with HTTP {status.group(1)}; check the URL and its token"
    if re.search(r"refused|timed out|unreachable|connection error|name or service|errno", text):
        return f"could not connect to {where}; check the host and port and that the server is running"
    return f"the {target.kind} service did not take the message; `briefer doctor CONFIG` checks it"


def reachable(target: Target, timeout: float = 5.0) -> str | None:
    """None when a TCP connection to the destination opens (nothing is sent), else why not."""
    if target.address is None:
        return None
    try:
        socket.create_connection(target.address, timeout=timeout).close()
    except OSError as exc:
        host, port = target.address
        return f"could not connect to {host}:{port} ({exc.strerror or type(exc).__name__})"
    return None
