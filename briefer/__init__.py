"""briefer: news articles in, analyst briefs out, every statement citing its source's exact characters.

The public library API. Names are imported on first use, so ``import briefer``
(and ``briefer --help``) does not load the LLM client or the pipeline.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

_EXPORTS = {
    "Article": "briefer.models",
    "Brief": "briefer.models",
    "Citation": "briefer.models",
    "Fact": "briefer.models",
    "FactKind": "briefer.models",
    "Span": "briefer.models",
    "BrieferError": "briefer.errors",
    "ConfigError": "briefer.errors",
    "InputError": "briefer.errors",
    "LLMError": "briefer.errors",
    "ModelUnavailable": "briefer.errors",
    "Runtime": "briefer.runtime",
    "brief_article": "briefer.brief.pipeline",
    "load_article": "briefer.sources",
    "render": "briefer.output.formats",
    "render_markdown": "briefer.output.render",
    "Digest": "briefer.digest.model",
    "DigestConfig": "briefer.digest.config",
    "load_digest_config": "briefer.digest.config",
    "render_digest": "briefer.digest.assemble",
    "run_digest": "briefer.digest.run",
    "uncited_digest_lines": "briefer.digest.assemble",
}
__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'briefer' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
