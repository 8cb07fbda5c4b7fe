"""The command line: a thin shell over the library (``briefer.cli.main:main`` is the entry point)."""

from .main import cli, main

__all__ = ["cli", "main"]
