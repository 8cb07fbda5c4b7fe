"""Where articles come from: one module per source kind, each registered by its config key."""

from .load import load_article

__all__ = ["load_article"]
