"""Real servers on 127.0.0.1 for the delivery tests: SMTP with STARTTLS and AUTH, and an HTTP webhook.

The SMTP server is aiosmtpd with a trustme certificate for 127.0.0.1; the
client trusts the test CA through ``SSL_CERT_FILE``, as OpenSSL does for any
program. The HTTP server records every POST (path and JSON body) and answers
with the status at the head of ``statuses`` (200 once the list is empty).
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "desk", "s3cret-Pa55word"
logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd warns on each login that an old API exists


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 -- aiosmtpd's hook name
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


class SmtpServer:
    """``with SmtpServer(ca) as smtp:`` ... ``smtp.url()`` is a mailtos:// URL with STARTTLS and AUTH."""

    def __init__(self, ca: trustme.CA) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.inbox, self.port = Inbox(), free_port()
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=_authenticate,
            auth_require_tls=True,
        )

    def url(self, password: str = PASSWORD, port: int | None = None) -> str:
        return (
            f"mailtos://{USER}:{password}@127.0.0.1:{port or self.port}"
            "?mode=starttls&from=briefer@example.com&to=reader@example.com"
        )

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class Webhook:
    """A loopback HTTP server recording POSTs: ``posts`` is a list of ``(path, parsed JSON body)``."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        self.statuses: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 -- http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = hook.statuses.pop(0) if hook.statuses else 200
                if status == 200:
                    hook.posts.append((self.path, json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self) -> Webhook:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
