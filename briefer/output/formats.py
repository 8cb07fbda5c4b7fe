"""The output formats of a brief, as a registry: name, file suffix, renderer, checker.

Adding a format (HTML, say) is one new module with a ``render(brief, template)``
function plus one :func:`register` line; the CLI's ``--format`` choices and
the digest writer read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ConfigError
from ..models import Brief
from .check import uncited_lines
from .html import render_html
from .render import render_markdown


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    render: Callable[..., str]  # (brief, template name, show_dropped=...) -> text
    uses_template: bool
    check: Callable[[str, Brief], list[str]] | None = None  # statements that break invariant 3


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> None:
    FORMATS[fmt.name] = fmt


def _json(brief: Brief, template: str, show_dropped: bool = False) -> str:
    return brief.model_dump_json(indent=2) + "\n"


register(Format("md", ".md", render_markdown, uses_template=True, check=uncited_lines))
register(Format("json", ".json", _json, uses_template=False))
register(Format("html", ".html", render_html, uses_template=False))


def get_format(name: str) -> Format:
    if name not in FORMATS:
        raise ConfigError(f"Unknown format {name!r}: use one of {', '.join(FORMATS)}.")
    return FORMATS[name]


def render(brief: Brief, fmt: str = "md", template: str = "brief", show_dropped: bool = False) -> str:
    """``brief`` in format ``fmt`` (``md`` through ``template``, or ``json``, which always lists dropped facts)."""
    return get_format(fmt).render(brief, template, show_dropped=show_dropped)
