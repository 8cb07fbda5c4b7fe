"""An OpenAI-compatible server on 127.0.0.1 that answers every request after a fixed latency.

.venv/bin/python benchmarks/latency_server.py --latency 0.5      # prints "PORT <n>", serves until killed

``POST /v1/chat/completions`` waits ``latency`` seconds (each request on its own
thread, so N requests in flight take one latency, not N) and answers with a valid
extraction: as many facts as the schema's ``minItems`` asks for, each quoting
a plain sentence of the ``<article>`` chunk and claiming exactly that sentence,
so briefer's grounding and claim checks pass without re-asks. ``GET /v1/models``
lists one model. Control endpoints for the benchmark (same process, no latency):

- ``GET /_bench/stats``: ``{"requests": n, "max_in_flight": n}`` since the last reset
- ``GET /_bench/bodies``: every chat request body since the last reset, in arrival order
- ``POST /_bench/reset`` with ``{"latency": s}``: clear counters and bodies, set the latency
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "latency-model"
_ARTICLE = re.compile(r"<article>\n(.*?)\n</article>", re.S)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]")
# Reported speech or a hedge would make briefer look for a speaker or re-ask: quote plain statements.
_AVOID = re.compile(
    r"[\"“”‘’']|\b(said|says|say|told|according|reportedly|sources|could|may|might|would|expected|likely)\b",
    re.I,
)


class LatencyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # many clients connect at once; the default backlog of 5 drops SYNs

    def __init__(self, latency: float, port: int = 0):
        super().__init__(("127.0.0.1", port), Handler)
        self.latency = latency
        self.lock = threading.Lock()
        self.reset(latency)

    def reset(self, latency: float) -> None:
        with self.lock:
            self.latency = latency
            self.requests = 0
            self.in_flight = 0
            self.max_in_flight = 0
            self.bodies: list[dict[str, Any]] = []

    def enter(self, body: dict[str, Any]) -> None:
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.bodies.append(body)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {"requests": self.requests, "max_in_flight": self.max_in_flight}


def chunk_of(body: dict[str, Any]) -> str:
    """The ``<article>`` chunk of the last message that has one (a re-ask's last message has none)."""
    for message in reversed(body.get("messages", [])):
        found = _ARTICLE.search(str(message.get("content", "")))
        if found:
            return found.group(1)
    return ""


def wanted(body: dict[str, Any]) -> int:
    """How many facts the request's schema asks for at least (``minItems``), 1 if it does not say."""
    fmt = body.get("response_format") or {}
    schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {}
    facts = schema.get("properties", {}).get("facts", {})
    return max(1, int(facts.get("minItems", 1)))


def quote_choices(body: dict[str, Any]) -> list[str] | None:
    """The sentences a quote-mode schema lets the model pick (its ``enum``); None for a paraphrase schema."""
    fmt = body.get("response_format") or {}
    schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {}
    item = schema.get("properties", {}).get("facts", {}).get("items", {})
    return item.get("properties", {}).get("quote", {}).get("enum")


def extraction(body: dict[str, Any]) -> dict[str, Any]:
    """Facts that quote plain sentences of the chunk verbatim (the first sentence if none is plain).

    In quote mode (the schema's ``quote`` is an enum of the chunk's sentences) the answer picks from those."""
    choices = quote_choices(body)
    if choices is not None:
        plain = [s for s in choices if len(s.split()) >= 6 and not _AVOID.search(s)]
        return {"facts": [{"quote": s} for s in (plain or choices)[: wanted(body)]]}
    sentences = [s.strip() for s in _SENTENCE.findall(chunk_of(body))]
    plain = [s for s in sentences if len(s.split()) >= 6 and not _AVOID.search(s)]
    chosen = (plain or sentences or ["(empty chunk)"])[: wanted(body)]
    return {
        "facts": [{"quotes": [s], "speaker": "", "claim": s, "kind": "event", "entities": []} for s in chosen]
    }


def completion(body: dict[str, Any]) -> dict[str, Any]:
    content = json.dumps(extraction(body))
    prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", MODEL),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": len(content) // 4,
            "total_tokens": prompt + len(content) // 4,
        },
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real API servers do
    server: LatencyServer

    def do_GET(self):  # noqa: N802
        if self.path.endswith("/models"):
            self._send({"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "bench"}]})
        elif self.path == "/_bench/stats":
            self._send(self.server.stats())
        elif self.path == "/_bench/bodies":
            with self.server.lock:
                self._send(list(self.server.bodies))
        else:
            self._send({"error": {"message": f"no route {self.path}"}}, 404)

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if self.path == "/_bench/reset":
            self.server.reset(float(body.get("latency", self.server.latency)))
            self._send({"ok": True})
            return
        if not self.path.endswith("/chat/completions"):
            self._send({"error": {"message": f"no route {self.path}"}}, 404)
            return
        self.server.enter(body)
        try:
            time.sleep(self.server.latency)
            self._send(completion(body))
        finally:
            self.server.leave()

    def _send(self, payload: Any, status: int = 200) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per chat request")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    args = parser.parse_args()
    server = LatencyServer(args.latency, args.port)
    print(f"PORT {server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
