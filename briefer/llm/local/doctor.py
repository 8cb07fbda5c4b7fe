"""``briefer doctor`` rows for the embedded model: engine, packages, model file, hash.

Inspects without assembling anything and never raises.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import ModelUnavailable
from . import model
from .model import INSTALL_HINT, NO_MODEL_MESSAGE, default_model_path
from .server import engine_version


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
            info = model._explicit_model(Path(model_path).expanduser())
        except ModelUnavailable as exc:
            return [("model", f"unusable: {exc}")]
        return _model_rows(info.path, "explicit (--model-path / BRIEFER_MODEL_PATH)",
                           info.size, "not verified (user-supplied model)")  # fmt: skip
    dest = default_model_path(cache_dir)
    try:
        parts = model.packaged_parts()
    except ModelUnavailable as exc:
        parts, packages = None, f"incomplete: {exc}"
    else:
        packages = "not installed" if parts is None else f"installed ({len(parts)} parts)"
    rows = [("model packages", packages)]
    if not dest.is_file():
        state = "not assembled yet (done on first use)" if parts else NO_MODEL_MESSAGE
        return rows + [("model", f"{dest}: {state}")]
    try:
        model.verify_default_model(dest)
        status = f"verified (sha256 {model.DEFAULT_MODEL_SHA256})"
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
