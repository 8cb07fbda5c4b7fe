"""Pinned, deadline-sliced connections for httpcore2: the socket layer under :mod:`briefer.netfetch`.

* :class:`PinnedBackend` is an httpcore2 network backend that connects only to
  addresses checked beforehand, whatever host name httpcore2 asks for; the
  request URL keeps the name, so Host, TLS SNI and the certificate check use it.
  Nothing is resolved here, so a DNS answer cannot change between check and use.
* Every wait (connect, TLS handshake, each read and write, and a blocking call
  such as getaddrinfo via :func:`run_within`) is sliced into waits of at most
  ``TICK`` seconds; :meth:`Deadline.tick` runs between slices and raises once
  the caller's cancel event is set or the total deadline has passed. A server
  dripping one byte per socket timeout therefore cannot stretch a download.
"""

from __future__ import annotations

import errno
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

import httpcore2

TICK = 0.25  # longest single wait before the deadline and the cancel event are checked again
_PENDING = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, getattr(errno, "WSAEWOULDBLOCK", -1)}


class Deadline:
    """A total time budget plus an optional cancel event; the errors raised are the caller's."""

    def __init__(
        self,
        seconds: float,
        cancel: threading.Event | None,
        timed_out: Callable[[], BaseException],
        cancelled: Callable[[], BaseException],
    ):
        self.end, self.cancel = time.monotonic() + seconds, cancel
        self.timed_out, self.cancelled = timed_out, cancelled

    def tick(self) -> float:
        """How long the next wait may last (at most TICK); raises once cancelled or out of time."""
        if self.cancel is not None and self.cancel.is_set():
            raise self.cancelled()
        left = self.end - time.monotonic()
        if left <= 0:
            raise self.timed_out()
        return min(left, TICK)


def run_within(deadline: Deadline, fn: Callable[[], Any]) -> Any:
    """``fn()`` (which has no timeout of its own) in a daemon thread, abandoned at the deadline."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append((fn(), None))
        except BaseException as e:  # handed over to the caller
            box.append((None, e))

    thread = threading.Thread(target=run, name="briefer-netconn", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(deadline.tick())
    value, error = box[0]
    if error is not None:
        raise error
    return value


def patiently(sock: socket.socket, deadline: Deadline, op: Callable[..., Any], *args: Any) -> Any:
    """``op(*args)`` on ``sock`` in waits of at most TICK seconds, checking the deadline between them."""
    while True:
        sock.settimeout(deadline.tick())
        try:
            return op(*args)
        except TimeoutError:
            continue


class PinnedBackend(httpcore2.NetworkBackend):
    """Connects to ``addresses`` (already checked) in order; the host name it is given is ignored."""

    def __init__(self, addresses: list[str], deadline: Deadline):
        self.addresses, self.deadline = addresses, deadline

    def connect_tcp(self, host: str, port: int, timeout=None, local_address=None, socket_options=None):
        failures = []
        for address in self.addresses:
            sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
            try:
                self._connect(sock, address, port)
                return DeadlineStream(sock, self.deadline)
            except OSError as e:
                failures.append(f"{address} port {port}: {e.strerror or e}")
                sock.close()
            except BaseException:
                sock.close()
                raise
        raise httpcore2.ConnectError("; ".join(failures) or "no address to connect to")

    def _connect(self, sock: socket.socket, address: str, port: int) -> None:
        sock.setblocking(False)
        code = sock.connect_ex((address, port))
        with selectors.DefaultSelector() as selector:  # on Windows it reports failed connects too
            selector.register(sock, selectors.EVENT_WRITE)
            while code in _PENDING:
                if selector.select(self.deadline.tick()):
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise OSError(code, errno.errorcode.get(code, str(code)))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class DeadlineStream(httpcore2.NetworkStream):
    """A socket whose every wait goes through :func:`patiently`; httpcore2's own timeouts are ignored."""

    def __init__(self, sock: socket.socket, deadline: Deadline):
        self.sock, self.deadline = sock, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return patiently(self.sock, self.deadline, self.sock.recv, max_bytes)
        except OSError as e:
            raise httpcore2.ReadError(str(e)) from e

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        try:
            while view:
                view = view[patiently(self.sock, self.deadline, self.sock.send, view) :]
        except OSError as e:
            raise httpcore2.WriteError(str(e)) from e

    def close(self) -> None:
        self.sock.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout=None):
        tls = ssl_context.wrap_socket(
            self.sock, server_hostname=server_hostname, do_handshake_on_connect=False
        )
        try:
            patiently(tls, self.deadline, tls.do_handshake)
        except OSError as e:  # ssl.SSLError included: a bad certificate, a wrong name
            tls.close()
            raise httpcore2.ConnectError(f"TLS with {server_hostname} failed: {e}") from e
        except BaseException:
            tls.close()
            raise
        return DeadlineStream(tls, self.deadline)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":  # httpcore2 asks it for the negotiated ALPN protocol
            return self.sock if isinstance(self.sock, ssl.SSLSocket) else None
        return self.sock if info == "socket" else None
