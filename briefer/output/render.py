"""Render a :class:`Brief` through a Jinja2 template into Markdown.

Every value a template prints is Markdown-escaped by the environment's
``finalize`` hook unless it is :class:`markupsafe.Markup` (citation markers,
which the template helpers build), so a quote or a model-written claim can
inject neither links nor formatting nor HTML. Templates run in a sandbox with
``StrictUndefined``: a typo fails loudly, and a user's template cannot reach
Python internals.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..errors import ConfigError
from ..models import Brief, Fact, FactKind
from ..resources import resource_dir
from .links import source_url

SECTIONS: list[tuple[str, tuple[FactKind, ...]]] = [
    ("What happened", (FactKind.event,)),
    ("Who is involved", (FactKind.actor,)),
    ("When and where", (FactKind.date, FactKind.place)),
    ("What was said", (FactKind.statement,)),
    ("Numbers", (FactKind.number,)),
    ("Context and analysis", (FactKind.context,)),
]
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~&])")


def md_escape(value: Any) -> str:
    """Plain text safe inside a Markdown line: whitespace folded, syntax characters escaped."""
    text = " ".join(str(value).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return re.sub(r"^([-=+#>])", r"\\\1", text)


def _finalize(value: Any) -> Any:
    if isinstance(value, (Markup, int, float)) or value is None:
        return value
    return md_escape(value)


def cites(fact: Fact) -> Markup:
    return Markup("".join(f"[{i}]" for i in fact.citations))


def sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?\"'\u201d\u2019" else text + "."


def environment(directory: Path) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(cites=cites, sentence=sentence, md=md_escape, source_url=source_url)
    return env


def resolve_template(name: str) -> tuple[Path, str]:
    """A built-in name (``brief``, ``summary``) or a path to a ``.j2`` file."""
    builtin = resource_dir("templates") / f"{name}.md.j2"
    if "/" not in name and "\\" not in name and builtin.is_file():
        return builtin.parent, builtin.name
    path = Path(name).expanduser()
    if path.is_file():
        return path.resolve().parent, path.name
    names = ", ".join(
        sorted(p.name.removesuffix(".md.j2") for p in resource_dir("templates").glob("*.md.j2"))
    )
    raise ConfigError(f"Template {name!r} not found: use a built-in name ({names}) or a path to a .j2 file.")


def context(brief: Brief, show_dropped: bool = False) -> dict[str, Any]:
    sections = []
    for heading, kinds in SECTIONS:
        facts = [f for f in brief.facts if f.kind in kinds]
        if facts:
            sections.append({"heading": heading, "facts": facts})
    events = [f for f in brief.facts if f.kind == FactKind.event] or brief.facts
    return {
        "brief": brief,
        "article": brief.article,
        "title": brief.article.title or brief.article.source or "Untitled article",
        "facts": brief.facts,
        "sections": sections,
        "bottom_line": events[:2],
        "citations": brief.citations,
        "meta": brief.meta,
        "counts": brief.meta.counts,
        "show_dropped": show_dropped,
    }


def render_template(template: str, values: dict[str, Any]) -> str:
    """Render a built-in or user template; any template error is one ConfigError line."""
    directory, name = resolve_template(template)
    try:
        text = environment(directory).get_template(name).render(**values)
    except TemplateError as exc:
        raise ConfigError(f"Template {template!r} failed: {exc}") from exc
    return text.rstrip("\n") + "\n"


def render_markdown(brief: Brief, template: str = "brief", show_dropped: bool = False) -> str:
    return render_template(template, context(brief, show_dropped))
