"""A scripted OpenAI-compatible HTTP server on 127.0.0.1 for tests (see the ``server`` fixture).

``Scripted`` answers each POST with the next entry of ``script``: a
``(status, headers, payload)`` tuple, or the name of a raw misbehaviour the
handler acts out on the socket (``hang``, ``reset``, ``partial``,
``invalid_json``). ``respond``, if set, answers from the request body instead.
``Faulty`` injects one fault kind at a seeded rate, so fault tests repeat exactly.
``Loopback`` and ``Quiet`` are the plain web servers of the fetching, feed and
digest-source tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import ssl
import struct
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openai

from briefer.llm.openai import OpenAIBackend


def interruptible() -> None:
    """``preexec_fn`` for a child the tests send Ctrl-C to: SIGINT back to its default action.

    A suite started from a background job (``cmd &`` in a script, some CI runners and
    service managers) inherits SIGINT as ignored, and Python keeps an ignored SIGINT
    ignored in every child: without this the child never sees the test's Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 30) -> int | None:
    """Send ``sig`` and wait; whatever happens, the process is gone afterwards (SIGKILL at the end).

    Returns the exit code, or None when the signal did not stop it in ``timeout`` seconds.
    """
    try:
        proc.send_signal(sig)
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _marked(pid: str, mark: bytes) -> str | None:
    """The command line of live process ``pid`` if its environment carries ``mark``."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X") or mark not in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
            return None
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None


def kill_leftovers(name: str, value: str) -> list[tuple[int, str]]:
    """SIGKILL every live process (but this one) whose environment has ``name=value``; return them."""
    mark = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            command = _marked(entry.name, mark)
            if command is not None:
                found.append((int(entry.name), command))
    for pid, _ in found:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return found


RAW = ("hang", "reset", "partial", "invalid_json")
# The llama-cpp-python server's real answer to response_format json_schema (tests/cassettes/auto_mode_fallback.yaml).
LLAMA_CPP_PYTHON_500 = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File \"/work/venv/lib/python3.11/"
    'site-packages/llama_cpp/server/app.py", line 376, in create_chat_completion\n'
    "    POST /v1/chat/completions"
)


def completion(content='{"facts": []}', finish="stop", message=None):
    return (
        200,
        {},
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": message or {"role": "assistant", "content": content},
                    "finish_reason": finish,
                }
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        },
    )


def error(status, message="boom", headers=None):
    return status, headers or {}, {"error": {"message": message, "type": "x"}}


def fault(kind):
    """One answer of fault ``kind`` (see ``FAULTS``): a scripted tuple, or a raw action's name."""
    if kind in RAW:
        return kind
    status, headers, payload = completion('{"facts": [', finish="length")
    answers = {
        "429": error(429, "rate limited", {"Retry-After": "2"}),
        "500": error(500, "internal hiccup"),
        "503": error(503, "overloaded", {"Retry-After": "1"}),
        "no_choices": (200, {}, {**payload, "choices": []}),
        "null_content": completion(message={"role": "assistant", "content": None}),
        "blank_content": completion(" \n\t "),
        "refusal": completion(message={"role": "assistant", "content": None, "refusal": "I can't help."}),
        "length": (status, headers, payload),
    }
    return answers[kind]


FAULTS = ("429", "500", "503", *RAW, "no_choices", "null_content", "blank_content", "refusal", "length")


class Scripted(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.script: list = []
        self.respond = None  # body -> answer, instead of the script
        self.requests: list[dict] = []
        self.headers: list = []  # email.message.Message: case-insensitive .get()
        self.hang_seconds = 2.0
        self.closing = threading.Event()  # wakes hanging handlers at shutdown

    def next_answer(self, body):
        if self.respond is not None:
            return self.respond(body)
        return self.script.pop(0) if self.script else error(599, "script exhausted")

    def handle_error(self, request, client_address):
        pass  # a client that timed out or was reset is part of the test, not noise

    def server_close(self):
        self.closing.set()
        super().server_close()


class Faulty(Scripted):
    """Answers ``kind`` with probability ``rate`` (seeded: the same run every time), else ``good``."""

    def __init__(self, kind, rate, seed=0, good=None):
        super().__init__()
        self.kind, self.rate, self.good = kind, rate, good or completion()
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.faults = 0

    def next_answer(self, body):
        with self.lock:
            bad = self.random.random() < self.rate
            self.faults += bad
        return fault(self.kind) if bad else self.good


class Quiet(BaseHTTPRequestHandler):
    """A request handler that logs nothing (pytest shows what failed) and sends an answer in one call."""

    def send(self, status: int, headers: dict[str, str], body: bytes = b"", length: bool = True) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Loopback:
    """A real HTTP(S) server on 127.0.0.1 and a free port, serving on a daemon thread until ``close()``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def serving(server):
    """Serve ``server`` on a thread for the block (what the ``server`` fixture does for ``Scripted``)."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def stub_backend(server, mode="json_schema", sleeps=None, attempts=4, timeout=None):
    """The real backend on ``server``; its pauses are recorded in ``sleeps`` and advance a fake clock.

    The client asks for 5 SDK retries on purpose: the backend must turn them off.
    """
    client = openai.OpenAI(
        api_key="test",
        base_url=f"http://127.0.0.1:{server.server_port}/v1",
        max_retries=5,
        **({"timeout": timeout} if timeout else {}),
    )
    sleeps = sleeps if sleeps is not None else []
    now = [0.0]

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    return OpenAIBackend(
        client, "m", structured_mode=mode, attempts=attempts, sleep=sleep, clock=lambda: now[0]
    )


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self._answer(
            200, {}, {"object": "list", "data": [{"id": "stub-model", "object": "model", "owned_by": "test"}]}
        )

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        self.server.headers.append(self.headers)
        answer = self.server.next_answer(body)
        if isinstance(answer, str):
            getattr(self, f"_{answer}")()
        else:
            self._answer(*answer)

    def _answer(self, status, headers, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _hang(self):
        """Say nothing past the client's timeout, then answer into a closed connection."""
        self.server.closing.wait(self.server.hang_seconds)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self._answer(*completion())

    def _reset(self):
        """Drop the connection with a TCP RST (SO_LINGER 0), before any byte of the answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _partial(self):
        """Promise a whole body, send half of it, hang up."""
        data = json.dumps(completion()[2]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def _invalid_json(self):
        """A 200 that says JSON and is not."""
        data = b'{"id": "x", "choices": [{"index": 0, "message": '
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass
