"""Where the shipped prompts/ and templates/ are: inside the wheel, or at the repo top."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``briefer/<name>`` in an installed wheel, else ``<repo>/<name>`` in a checkout."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"briefer's {name}/ directory is missing from this installation")
