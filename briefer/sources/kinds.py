"""The source kinds briefer knows, in the order a digest loads them. One line per kind."""

from . import files, pages, feeds, opml  # noqa: F401, I001 -- importing a kind registers it
