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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..errors import BrieferError, ConfigError
from ..language import language
from ..models import Article, Brief, Fact
from ..resources import resource_dir
from .bidi import isolate_text
from .bounded import BoundedEnvironment, bounded, suspended_line
from .files import one_final_newline
from .guards import LIMITS, Limits, TemplateLimit, bound_filters
from .links import source_url
from .sections import HEADINGS, bottom_line, sectioned

SECTIONS = HEADINGS  # the brief's headings, in order; which fact goes where: output/sections.py
STDIN = "standard input"  # how an article read from ``-`` is named in a brief
# The built-in templates: the command each fits and what it shows (``briefer templates``).
BUILTINS = {
    "brief": ("brief", "the full brief: bottom line, key facts by section, sources, footer"),
    "summary": ("brief", "an executive summary: the first five facts and their sources"),
    "digest": ("digest", "a daily digest: overview, one section per story, sources, what was not covered"),
}
# The variables each kind of template receives (checked against context() and digest_context() by tests).
VARIABLES = {
    "brief": {
        "brief": "the whole Brief: article, facts, citations, meta, dropped",
        "article": "the Article: text, title, source (or 'standard input'), url, date",
        "title": "the article's title, else its source, else 'Untitled article'",
        "facts": "every verified Fact: statement, claim, kind, entities, citations, attribution",
        "sections": "the facts under headings: a list of {heading, facts}",
        "bottom_line": "up to two facts stated as fact, the one citing the article's lead first; never a view",
        "lead_cited": "whether a bottom-line fact cites the article's lead (its first body sentence)",
        "citations": "the numbered Citations: id, span (start, end, text), match, score",
        "meta": "model, prompt_version, structured_mode, chunks, usage, counts, failed_chunks",
        "counts": "proposed, grounded, dropped, merged, reasks and speaker counts",
        "show_dropped": "true with --show-dropped; brief.dropped lists the dropped facts and why",
        "translation": "'' or, for claims in another language than the article's, what that means for checks",
    },
    "digest": {
        "digest": "the whole Digest: name, date, stories, articles, citations, not_covered, left_out",
        "name": "the digest's name from its config",
        "date": "the day, YYYY-MM-DD",
        "stories": "each Story: title, articles (labels), facts (statement, citations, articles, corroborated, backers)",
        "articles": "each DigestArticle by label: title, addresses, origin, brief",
        "citations": "the numbered DigestCitations: id, article, span, match",
        "not_covered": "sources and articles that failed: source, reason",
        "left_out": "how many articles each filter left out: reason -> count",
        "models": "the models and prompt versions the briefs came from",
    },
}
FILTERS = {
    "cites": "a fact's citation markers, e.g. [1][3]",
    "sentence": "a statement ending in a full stop",
    "md": "Markdown-escaped text (every printed value already is)",
    "source_url": "a citation's link to the quoted passage of its source, or ''",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~&])")


def md_escape(value: Any) -> str:
    """Plain text safe inside a Markdown line: whitespace folded, syntax characters escaped."""
    text = " ".join(str(value).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return isolate_text(re.sub(r"^([-=+#>])", r"\\\1", text))  # an article's U+202E stays in its value


def _finalize(value: Any) -> Any:
    if isinstance(value, (Markup, int, float)) or value is None:
        return value
    return md_escape(value)


def cites(fact: Fact) -> Markup:
    return Markup("".join(f"[{i}]" for i in fact.citations))


# What may end a sentence: Latin, CJK (。！？」), Arabic (؟) and Devanagari (।) stops, closing quotes.
_ENDS = ".!?\"'\u201d\u2019\u00bb\u3002\uff01\uff1f\u300d\u300f\u061f\u06d4\u0964"


def sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in _ENDS else text + "."


def environment(directory: Path, limits: Limits | None = None) -> SandboxedEnvironment:
    """The sandbox for built-in templates; with ``limits``, the bounded one for a user's template."""
    env = (BoundedEnvironment if limits else SandboxedEnvironment)(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(cites=cites, sentence=sentence, md=md_escape, source_url=source_url)
    if limits:
        env.limits = limits
        bound_filters(env, limits)
    return env


def builtin_names(kind: str | None = None) -> list[str]:
    """The built-in Markdown templates (of ``kind``, if given), by name."""
    found = {p.name.removesuffix(".md.j2") for p in resource_dir("templates").glob("*.md.j2")}
    names = [n for n in BUILTINS if n in found] + sorted(found - set(BUILTINS))
    return [n for n in names if kind is None or BUILTINS.get(n, (None,))[0] == kind]


def resolve_template(name: str, kind: str | None = None) -> tuple[Path, str]:
    """A built-in name (``brief``, ``summary``) or a path to a ``.j2`` file."""
    builtin = resource_dir("templates") / f"{name}.md.j2"
    if "/" not in name and "\\" not in name and builtin.is_file():
        return builtin.parent, builtin.name
    path = Path(name).expanduser()
    if path.is_file():
        return path.resolve().parent, path.name
    names = ", ".join(builtin_names(kind))
    raise ConfigError(f"Template {name!r} not found: use a built-in name ({names}) or a path to a .j2 file.")


def check_template(name: str, kind: str) -> set[str]:
    """Find and parse a template and check it fits a ``kind`` (brief, digest) before any LLM call.

    Returns the variables it uses. A syntax error names the file and line; a built-in
    template of another kind, or a template using variables ``kind`` does not have, is refused.
    """
    directory, file = resolve_template(name, kind)
    builtin_kind = BUILTINS.get(name, (None,))[0] if directory == resource_dir("templates") else None
    if builtin_kind not in (None, kind):
        names = ", ".join(builtin_names(kind))
        raise ConfigError(
            f"Template {name!r} is a {builtin_kind} template; a {kind} takes {names} or a .j2 file."
        )
    env = environment(directory, LIMITS)  # bounded: its operators are not folded while parsing
    try:
        used = meta.find_undeclared_variables(env.parse(*env.loader.get_source(env, file)[:2]))
    except TemplateSyntaxError as exc:
        raise ConfigError(_describe(name, exc, directory / file)) from exc
    unknown = sorted(used - set(VARIABLES[kind]) - set(env.globals) - {"link_files"})
    if unknown:
        raise ConfigError(
            f"Template {name!r} uses {', '.join(unknown)}, which a {kind} template does not get;"
            f" see `briefer templates {kind}` for the variables."
        )
    return used


def _describe(
    name: str, exc: BaseException, path: Path, line: int | None = None, limits: Limits = LIMITS
) -> str:
    """A template error as one line: which template, the line in it, what is wrong."""
    line = getattr(exc, "lineno", None) or _template_line(exc, path) or line
    where = f" at line {line}" if line else ""
    named = (
        f"Template {name!r}"
        if Path(name).expanduser().resolve() == path.resolve()
        else f"Template {name!r} ({path})"
    )
    if isinstance(exc, TemplateSyntaxError):
        return f"{named} has a syntax error{where}: {exc.message}"
    if isinstance(exc, TemplateError):
        return f"{named} failed{where}: {exc.message or exc}"
    if isinstance(exc, (TemplateLimit, RecursionError, MemoryError)):
        why = "it recurses too deeply" if isinstance(exc, RecursionError) else str(exc) or "out of memory"
        allowed = f"a template may run {limits.seconds:g} s and write {limits.chars:,} characters"
        return f"{named} was stopped{where}: {why}; {allowed}."
    return f"{named} failed{where}: {type(exc).__name__}: {exc}"


def _template_line(exc: BaseException, path: Path) -> int | None:
    """The template line an error was raised at (Jinja maps its frames to template lines)."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def display_article(article: Article) -> Article:
    """The article as a template shows it: one read from ``-`` is named "standard input"."""
    if article.source == "-" and not article.url:
        return article.model_copy(update={"source": STDIN})
    return article


def context(brief: Brief, show_dropped: bool = False) -> dict[str, Any]:
    lead, lead_cited = bottom_line(brief)
    article = display_article(brief.article)
    return {
        "brief": brief,
        "article": article,
        "title": article.title or article.source or "Untitled article",
        "facts": brief.facts,
        "sections": sectioned(brief.facts),
        "bottom_line": lead,
        "lead_cited": lead_cited,
        "citations": brief.citations,
        "meta": brief.meta,
        "counts": brief.meta.counts,
        "show_dropped": show_dropped,
        "translation": translation_note(brief.meta),
    }


def translation_note(meta: Any) -> str:
    """What a reader must know of claims the model wrote in another language than the article's."""
    if meta.answer_language == meta.language:
        return ""
    source, target = language(meta.language).name, language(meta.answer_language).name
    return (
        f"claims translated by the model from {source} into {target}: only their names and numbers"
        " were checked against the source"
    )


def render_template(template: str, values: dict[str, Any]) -> str:
    """Render a built-in or user template; any template error is one ConfigError line with its line number."""
    return "".join(template_chunks(template, values))


def template_chunks(template: str, values: dict[str, Any], limits: Limits | None = None) -> Iterator[str]:
    """:func:`render_template` as the template generates it, chunk by chunk (errors as it does).

    A user's template (not a built-in one) renders under ``limits`` (default
    :data:`~briefer.output.guards.LIMITS`), and any error it raises is a ConfigError line.
    """
    directory, name = resolve_template(template)
    limits = limits or (None if directory == resource_dir("templates") else LIMITS)
    env = environment(directory, limits)
    chunks = _generate(env, name, values)
    caught = (Exception,) if limits else (TemplateError,)
    try:
        yield from one_final_newline(bounded(chunks, limits) if limits else chunks)
    except caught as exc:
        if isinstance(exc, BrieferError):
            raise
        line = suspended_line(chunks, env.get_template(name)) if isinstance(exc, TemplateLimit) else None
        raise ConfigError(_describe(template, exc, directory / name, line, limits or LIMITS)) from exc


def _generate(env: SandboxedEnvironment, name: str, values: dict[str, Any]) -> Iterator[str]:
    """The template's chunks, compiled on the first ``next()`` (so under the limits too)."""
    yield from env.get_template(name).generate(**values)


def render_markdown(brief: Brief, template: str = "brief", show_dropped: bool = False) -> str:
    return render_template(template, context(brief, show_dropped))
