"""briefer: news articles in, analyst briefs out, every statement citing its source's exact characters."""

__version__ = "0.1.0"

from .errors import BrieferError, ConfigError, InputError, LLMError, ModelUnavailable  # noqa: E402
from .models import Article, Brief, Citation, Fact, FactKind, Span  # noqa: E402
from .pipeline import brief_article  # noqa: E402
from .render import render, render_markdown  # noqa: E402
from .sources import load_article  # noqa: E402
from .digest import Digest, DigestConfig, load_digest_config, render_digest, run_digest, uncited_digest_lines  # noqa: E402

__all__ = [
    "Article",
    "Brief",
    "BrieferError",
    "Citation",
    "ConfigError",
    "Digest",
    "DigestConfig",
    "Fact",
    "FactKind",
    "InputError",
    "LLMError",
    "ModelUnavailable",
    "Span",
    "brief_article",
    "load_article",
    "load_digest_config",
    "render",
    "render_digest",
    "render_markdown",
    "run_digest",
    "uncited_digest_lines",
]
