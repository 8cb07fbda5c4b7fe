"""The one place the version lives (the package ``__init__`` and the pipeline read it here)."""

__version__ = "0.1.0"
