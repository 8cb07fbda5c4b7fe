"""The embedded model's server: llama.cpp's OpenAI-compatible server as a child process group.

The rest of briefer only ever sees an OpenAI-compatible ``base_url``
(``LocalServer.base_url``) and talks to it through :mod:`briefer.llm.openai`.

``python -m llama_cpp.server`` (started through :mod:`briefer.llm.local.serve`,
which samples schema grammars faster, same answers) runs in its own session
(so a terminal Ctrl-C reaches only briefer, which then stops the server in
order), output to a log
file whose tail is shown when startup fails. Stopping kills the whole process
group. Orphans are prevented on every exit path: ``with`` blocks and
exceptions (incl. KeyboardInterrupt) call ``stop()``, ``atexit`` covers normal
interpreter exit, and on Linux the child asks the kernel for SIGKILL when its
parent dies (SIGKILL of briefer included).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import importlib.metadata
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

from ...errors import ModelUnavailable
from ..probe import http_get
from .model import ENGINE_DIST, INSTALL_HINT

# Seconds a stopping server gets to exit on SIGTERM before SIGKILL. After a Ctrl-C, only
# INTERRUPT_GRACE: the server does not stop on SIGTERM while it generates, and it holds
# nothing worth a graceful shutdown (a second Ctrl-C kills it at once).
STOP_GRACE = 10.0
INTERRUPT_GRACE = 1.0


def engine_version() -> str | None:
    """Installed llama-cpp-python version (from metadata; nothing is imported)."""
    try:
        return importlib.metadata.version(ENGINE_DIST)
    except importlib.metadata.PackageNotFoundError:
        return None


def _engine_missing() -> str | None:
    """Name of the first missing server module, without importing llama_cpp (slow)."""
    for module in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context"):
        if importlib.util.find_spec(module) is None:
            return module
    return None


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _parent_death_signal():
    """preexec_fn asking Linux to SIGKILL the server if briefer dies, even by SIGKILL.

    SIGKILL, not SIGTERM: on SIGTERM uvicorn shuts down gracefully, which means
    finishing the generation in flight for a client that no longer exists, a
    minute or more of an orphan at full CPU. The server keeps no state.

    Returns None elsewhere. libc is resolved in the parent so the child, between
    fork and exec, only makes one foreign call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # parent already gone before prctl took effect
            os._exit(1)

    return preexec


def _tail(path: Path, lines: int = 20) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(deque(f, maxlen=lines)).rstrip()
    except OSError:
        return ""


class LocalServer:
    """A llama.cpp OpenAI-compatible server running as a child process group.

    Use as a context manager (``with LocalServer(path) as s: s.base_url``) or
    call ``start()``/``stop()``. Every exit path stops the server; see the
    module docstring. Start it from the main thread (or a thread that outlives
    it): on Linux the server is tied to the thread that launched it.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        startup_timeout: float = 120,
        log_path: str | Path | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_path) if log_path else None
        self._proc: subprocess.Popen | None = None
        self._tmpdir: str | None = None
        self._log: Path | None = None

    # -- public

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """PID of the server (also its process group id), None when not running."""
        return self._proc.pid if self._proc is not None else None

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "briefer.llm.local.serve",  # llama_cpp.server, grammars sampled faster
            "--model", str(self.model_path),
            "--host", self.host,
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads),
            # llama_cpp.server keeps every prompt token's logits by default (for logprobs, which
            # briefer never asks for): 152k floats a token, computed and copied, 3.7 s of a 31 s brief.
            "--logits_all", "false",
        ]  # fmt: skip

    def start(self) -> LocalServer:
        """Launch and block until ``/v1/models`` answers; on any failure nothing is left running."""
        if self._proc is not None:
            return self
        self._check_engine()
        if self.port is None:
            self.port = _free_port(self.host)
        try:
            self._launch()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def serve_forever(self) -> LocalServer:
        """Start for a foreground ``briefer serve``; the caller prints and then ``wait()``s."""
        return self.start()

    def wait(self) -> int | None:
        """Block until the server exits; Ctrl-C stops it (and is re-raised)."""
        if self._proc is None:
            return None
        try:
            return self._proc.wait()
        except BaseException:
            self.stop()
            raise

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Terminate the whole process group: SIGTERM, up to ``grace`` s, then SIGKILL. Idempotent."""
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is not None:
            _stop_group(proc, grace)
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- internals

    def _check_engine(self) -> None:
        missing = _engine_missing()
        if missing:
            raise ModelUnavailable(
                f"The local model server is not installed (no module {missing!r}). "
                f"Install it with `{INSTALL_HINT}`, or set OPENAI_API_KEY/OPENAI_BASE_URL."
            )

    def _log_file(self) -> Path:
        if self.log_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="briefer-llama-")
            return Path(self._tmpdir) / "server.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        return self.log_path

    def _launch(self) -> None:
        self._log = self._log_file()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        atexit.register(self.stop)
        with open(self._log, "ab") as log:
            self._proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # own group: killable as a whole, immune to terminal ^C
                preexec_fn=_parent_death_signal(),
            )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = f"{self.base_url}/models"
        while True:
            code = self._proc.poll()
            if code is not None:
                self._fail(f"exited with code {code} before it was ready")
            with contextlib.suppress(OSError, ValueError):
                if http_get(url, timeout=2.0)[0] == 200:
                    return
            if time.monotonic() > deadline:
                self._fail(f"did not answer within {self.startup_timeout:g} s")
            time.sleep(0.25)

    def _fail(self, what: str) -> None:
        tail = _tail(self._log)
        self.stop()
        detail = f"\nLast lines of the server log:\n{tail}" if tail else ""
        raise ModelUnavailable(f"The local model server for {self.model_path} {what}.{detail}")


def _stop_group(proc: subprocess.Popen, grace: float = STOP_GRACE) -> None:
    """SIGTERM the group, escalate to SIGKILL after ``grace`` s or on a second Ctrl-C.

    The group is signalled even if the leader already died: its pgid stays
    reserved while any member lives, so only stragglers can be hit.
    """
    if proc.poll() is not None:
        _signal(proc, signal.SIGKILL)
        return
    try:
        _signal(proc, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal(proc, signal.SIGKILL)
        proc.wait()
    except BaseException:  # Ctrl-C while waiting: finish the job quickly, then re-raise
        _signal(proc, signal.SIGKILL)
        proc.wait()
        raise
    _signal(proc, signal.SIGKILL)  # stragglers the leader left in its group


def _signal(proc: subprocess.Popen, sig: int) -> None:
    """Signal the group and, in case it is not a group leader, the process itself."""
    _killpg(proc.pid, sig)
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)  # no-op once reaped


def _killpg(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
