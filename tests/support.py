"""A scripted OpenAI-compatible HTTP server on 127.0.0.1 for tests (see the ``server`` fixture)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(content='{"facts": []}', finish="stop"):
    return (
        200,
        {},
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        },
    )


def error(status, message="boom", headers=None):
    return status, headers or {}, {"error": {"message": message, "type": "x"}}


class Scripted(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.script: list = []
        self.requests: list[dict] = []
        self.headers: list = []  # email.message.Message: case-insensitive .get()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self._answer(
            200, {}, {"object": "list", "data": [{"id": "stub-model", "object": "model", "owned_by": "test"}]}
        )

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        self.server.headers.append(self.headers)
        self._answer(*(self.server.script.pop(0) if self.server.script else error(599, "script exhausted")))

    def _answer(self, status, headers, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass
